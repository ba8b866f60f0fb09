"""`dozor probe` and `dozor aim`: the installer's checks of one camera, on the spot.

Thin commands over recorder.probe (what the stream is, what to fix) and plate_index.aim (how well its
plates read). Addresses are printed with the password masked; plate text is never printed.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import click

from dozor.cli.common import config_option, fail, load_or_exit
from edge.config import CameraConfig, Config


def resolve_camera(target: str, config_path: str | None) -> tuple[list[tuple[str, str]], Config | None]:
    """(label, url) pairs to probe: a url as given, or a configured camera's stream(s)."""
    from recorder.probe import address_of

    if "://" in target:
        return [(address_of(target), target)], load_or_exit(config_path) if config_path else None
    if not config_path:
        fail(f"{target!r} is not a url; to probe a configured camera by name, give --config "
             "or set DOZOR_CONFIG")
    config = load_or_exit(config_path)
    camera = named_camera(config, target)
    streams = [(f"{camera.name} (main stream)", camera.url)]
    if camera.lpr_url:
        streams.append((f"{camera.name} (plate-reading stream)", camera.lpr_url))
    if camera.live_url:
        streams.append((f"{camera.name} (live-grid stream)", camera.live_url))
    return streams, config


def named_camera(config: Config, name: str) -> CameraConfig:
    try:
        return config.camera(name)
    except KeyError:
        names = ", ".join(c.name for c in config.cameras) or "none"
        fail(f"no camera called {name!r} in the config (cameras: {names})")
        raise  # unreachable: fail() exits


@click.command("probe")
@click.argument("target")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="DOZOR_CONFIG",
              help="The TOML config, to probe a camera by its name.")
@click.option("--seconds", default=4.0, show_default=True, type=click.FloatRange(1, 60),
              help="Stream time to read at least (longer when the second keyframe is late, up to 20 s).")
@click.option("--snapshot", "snapshot_dir", default=".", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the snapshot JPEG.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per stream instead of text.")
def probe_cmd(target: str, config_path: str | None, seconds: float, snapshot_dir: str, as_json: bool) -> None:
    """Connect to a camera (TARGET: an rtsp:// url, or a configured camera's name) and report codec,
    size, frame rate, keyframe interval (GOP), bitrate and audio, whether Dozor can record it and read
    plates from it, with a snapshot; or say what to fix. Exit status 1 when it cannot be recorded."""
    from recorder.probe import ProbeFailed, probe

    streams, _ = resolve_camera(target, config_path)
    failed = False
    for number, (label, url) in enumerate(streams):
        name = label.split(" ")[0] if "://" not in label else "camera"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        snapshot = Path(snapshot_dir) / f"probe-{name}-{number + 1}-{stamp}.jpg"
        try:
            result = probe(url, seconds=seconds, snapshot=snapshot)
        except ProbeFailed as exc:
            failed = True
            if as_json:
                click.echo(json.dumps({"stream": label, "error": exc.reason}, ensure_ascii=False))
            else:
                click.echo(f"{label}\n  error: {exc.reason}", err=True)
            continue
        failed = failed or not result.recordable
        if as_json:
            data = asdict(result) | {"snapshot": str(result.snapshot) if result.snapshot else None,
                                     "problems": result.recording_problems(),
                                     "plate_reading": plate_reading_note(result.width, result.fps)}
            click.echo(json.dumps(data, ensure_ascii=False))
        else:
            click.echo(describe(label, result))
    if failed:
        sys.exit(1)


def describe(label: str, result) -> str:
    """The probe's findings as the installer reads them."""
    gop = f"keyframe every {result.gop_seconds:g} s" if result.gop_seconds else \
        f"no second keyframe in {result.watched_seconds:.0f} s"
    fps = f"{result.fps:.1f} frames/s" if result.fps else "frame rate unknown"
    lines = [label] + ([f"  url        {result.url}"] if label != result.url else []) + [
        f"  video      {result.codec_title} {result.width}x{result.height}, {fps}, {gop}, "
        f"{result.bitrate_kbps:.0f} kbit/s",
        f"  audio      {result.audio.upper() + ' (recorded with the video)' if result.audio else 'none'}",
        f"  snapshot   {result.snapshot or ': '.join(filter(None, ['not saved', result.snapshot_problem]))}",
        f"  recording  {'OK' if result.recordable else 'NOT POSSIBLE'}",
        f"  plates     {plate_reading_note(result.width, result.fps)}",
    ]
    lines += [f"  fix        {problem}" for problem in result.recording_problems()]
    return "\n".join(lines)


def plate_reading_note(frame_width: int, fps: float | None = None) -> str:
    from plate_index.aim_verdict import MIN_FPS, min_plate_width, widest_view_metres

    note = (f"plates must be at least {min_plate_width(frame_width)} px wide: the picture may span at most "
            f"{widest_view_metres(frame_width):.1f} m where the plates pass (run `dozor aim` to check)")
    if fps is not None and fps < MIN_FPS:
        note += f"; {fps:.0f} frames/s is too few: set at least {MIN_FPS:.0f} so a car is on several frames"
    return note


@click.command("aim")
@click.argument("camera")
@config_option
@click.option("--minutes", default=5.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="How long to watch.")
@click.option("--picture", type=click.Path(dir_okay=False),
              help="Save the last analysed frame with the plate boxes here (JPEG; it shows plates).")
@click.option("--json", "as_json", is_flag=True, help="The final figures and verdict as one JSON object.")
def aim_cmd(camera: str, config_path: str, minutes: float, picture: str | None, as_json: bool) -> None:
    """Watch CAMERA's live stream for MINUTES and report, for each plate seen, its width, tilt, blur and
    whether the OCR read it; end with a verdict that names the fix. No plate text is printed."""
    from plate_index.aim import AimSession

    config = load_or_exit(config_path)
    cam = named_camera(config, camera)

    def on_pass(fact) -> None:
        if not as_json:
            click.echo(pass_line(fact))

    session = AimSession(cam, config, minutes, on_pass=on_pass)
    if picture and not can_write_in(Path(picture).parent):
        click.echo(f"warning: cannot write in {Path(picture).parent}: the picture will not be saved (Ctrl-C "
                   "and give another --picture, or watch on for the verdict)", err=True)
    if not as_json:
        off = "" if cam.lpr else " (plate reading is off for it: lpr = false)"
        click.echo(f"watching {cam.name}{off} for {minutes:g} min (Ctrl-C ends it early) ...")
    try:
        state = session.run()
    except KeyboardInterrupt:
        session.stop()
        state = session.state()
    if state.status == "failed":
        fail(state.reason)
    if as_json:
        click.echo(json.dumps(asdict(state), ensure_ascii=False, default=str))
    else:
        print_verdict(state)
    if picture and session.picture():
        try:  # after the verdict: a path that cannot be written never costs the minutes of watching
            Path(picture).parent.mkdir(parents=True, exist_ok=True)
            Path(picture).write_bytes(session.picture() or b"")
        except OSError as exc:
            fail(f"the picture cannot be saved to {picture}: {exc.strerror or exc}")


def can_write_in(folder: Path) -> bool:
    """Whether a file can be made in `folder`, made if missing as the probe's --snapshot folder is
    (tried: permissions alone do not tell, e.g. for root)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def print_verdict(state) -> None:
    seen, read = len(state.passes), sum(1 for p in state.passes if p.read)
    stream = state.stream
    if stream:
        click.echo(f"stream: {stream.width}x{stream.height}, {stream.fps or 0:.1f} frames/s, keyframe every "
                   f"{stream.gop_seconds or 0:g} s; {state.frames} frames analysed")
    click.echo(f"{seen} plates seen, {read} read")
    from webui.aim_texts import advice_text

    for advice in state.advice:
        click.echo(f"verdict: {advice_text(advice)}")


def pass_line(fact) -> str:
    kind = "motion" if fact.motion_blur else "focus"
    return (f"plate: {fact.width} px wide (at least {fact.need} needed), tilt {fact.tilt:+.0f} deg, "
            f"blur {fact.blur:.1f} px "
            f"({fact.blur_share:.0%} of its width, {kind}){', night' if fact.night else ''}, "
            f"{'read' if fact.read else 'NOT read'} (confidence {fact.confidence:.2f})")


COMMANDS = [probe_cmd, aim_cmd]
