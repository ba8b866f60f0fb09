"""`dozor check-config --online`: probe every enabled camera at once and list which fail and why.

The cameras are probed in parallel (I/O-bound: FFmpeg reads the network outside the GIL), each for a
couple of seconds of stream, so a site of 24 cameras is checked in about the time of its slowest one.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import click

from edge.config import Config

PARALLEL = 8
SECONDS = 2.0
MAX_SECONDS = 10.0


def check_cameras(config: Config) -> None:
    """One line per stream, problems as warnings; exit status 1 when a camera cannot be recorded."""
    from recorder.probe import ProbeFailed, probe

    streams = [(camera.name, "", camera.url) for camera in config.cameras if camera.enabled]
    streams += [(camera.name, " (lpr_url)", camera.lpr_url) for camera in config.cameras
                if camera.enabled and camera.lpr and camera.lpr_url]
    streams += [(camera.name, " (live_url)", camera.live_url) for camera in config.cameras
                if camera.enabled and camera.live_url]

    def check(url: str):
        try:
            return probe(url, seconds=SECONDS, max_seconds=MAX_SECONDS,
                         stall_seconds=config.recorder.stall_seconds)
        except ProbeFailed as exc:
            return exc

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(check, [url for _, _, url in streams]))
    failed = 0
    for (name, which, _url), result in zip(streams, results, strict=True):
        if isinstance(result, ProbeFailed):
            failed += 1
            click.echo(f"camera {name}{which}: FAILED: {result.reason}")
            continue
        gop = f"keyframe every {result.gop_seconds:g} s" if result.gop_seconds else "one keyframe seen"
        found = (f"{result.codec_title} {result.width}x{result.height}, {result.fps or 0:.0f} frames/s, "
                 f"{gop} ({result.url})")
        problems = result.recording_problems()
        if result.recordable:
            click.echo(f"camera {name}{which}: OK {found}")
        else:  # the codec, the first problem: on the camera's own line, never after an OK
            failed += 1
            cost = "" if which else "cannot be recorded, so no plates read either: "
            click.echo(f"camera {name}{which}: FAILED: {cost}{problems.pop(0)}; it sends {found}")
        for problem in problems:
            click.echo(f"warning: camera {name}{which}: {problem}", err=True)
    if failed:
        click.echo(f"{failed} of {len(streams)} camera stream(s) cannot be recorded", err=True)
        sys.exit(1)
