"""`dozor segments` and `dozor cameras`: what has been recorded and how each camera is doing.

Both read the catalog read-only, so they are safe while the daemon runs. `--json` prints one object per
line with UTC ISO-8601 times (for scripts); the tables show local times (for people). No camera URL is
printed, so no password can leak.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import click

from dozor.cli.common import config_option, fail, load_or_exit, print_json_lines
from edge.clock import SystemClock, parse_utc, utc_iso
from edge.config import Config
from edge.layout import DataLayout


def _catalog(config: Config) -> sqlite3.Connection | None:
    from recorder.catalog import open_catalog

    layout = DataLayout(config.storage.path)
    if not layout.catalog_db.exists():
        click.echo(f"no recordings yet: {layout.catalog_db} does not exist (has `dozor run` started?)",
                   err=True)
        return None
    return open_catalog(layout, readonly=True)


def _local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


@click.command("segments")
@config_option
@click.option("--camera", help="Only this camera.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per segment and line (UTC times).")
def segments(config_path: str, camera: str | None, as_json: bool) -> None:
    """List recorded segments, oldest first."""
    from recorder.catalog import list_segments

    config = load_or_exit(config_path)
    conn = _catalog(config)
    if conn is None:
        return
    found = list_segments(conn, camera)
    conn.close()
    if camera and not found and camera not in {c.name for c in config.cameras}:
        names = ", ".join(c.name for c in config.cameras) or "none"
        fail(f"no camera named {camera!r} in the config or the catalog; cameras: {names}")
    root = config.storage.path
    if as_json:
        print_json_lines([
            {"camera": s.camera, "start": utc_iso(s.start), "end": utc_iso(s.end), "path": str(root / s.path),
             "bytes": s.bytes, "codec": s.codec, "width": s.width, "height": s.height, "state": s.state}
            for s in found
        ])
        return
    click.echo(f"{'camera':<16} {'start (local)':<19}  {'end':<19}  {'length':>7} {'MB':>7}  video")
    for s in found:
        video = f"{s.codec} {s.width}x{s.height}" + (" +aac" if s.audio_codec else "")
        mark = "  (recording)" if s.state == "recording" else ""
        click.echo(f"{s.camera:<16} {_local(s.start)}  {_local(s.end)}  {s.seconds:>6.1f}s "
                   f"{s.bytes / 1e6:>7.1f}  {video}{mark}")
    total = sum(s.seconds for s in found)
    click.echo(f"{len(found)} segment(s), {total / 3600:.2f} h, {sum(s.bytes for s in found) / 1e9:.2f} GB")


@click.command("cameras")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per camera and line (UTC times).")
def cameras(config_path: str, as_json: bool) -> None:
    """Status per camera: online or offline since when, why, fps and kbit/s."""
    from health.cameras import availability
    from recorder.catalog import camera_statuses

    config = load_or_exit(config_path)
    layout = DataLayout(config.storage.path)
    statuses = {}
    if layout.catalog_db.exists():
        from recorder.catalog import open_catalog

        conn = open_catalog(layout, readonly=True)
        statuses = camera_statuses(conn)
        conn.close()
    now = SystemClock().now()
    rows = []
    for cam in config.cameras:
        status = statuses.get(cam.name)
        state = availability(cam.enabled, status, now)
        row = {"camera": cam.name, "state": "online" if state.online else "offline",
               "since": utc_iso(state.since) if state.since else None,
               "why": state.reason.english() if state.reason else "", "fps": 0.0, "kbps": 0.0,
               "last_packet": None, "tap_drops": 0}
        if status is not None and state.recorder_running:
            row.update(fps=status.fps, kbps=status.kbps, tap_drops=status.tap_drops,
                       last_packet=utc_iso(status.last_packet) if status.last_packet else None)
        rows.append(row)
    if as_json:
        print_json_lines(rows)
        return
    click.echo(f"{'camera':<16} {'state':<8} {'since (local)':<19}  {'fps':>5} {'kbit/s':>7}  why")
    for row in rows:
        since = parse_utc(str(row["since"])) if row["since"] else None
        click.echo(f"{row['camera']:<16} {row['state']:<8} {_local(since):<19}  {row['fps']:>5.1f} "
                   f"{row['kbps']:>7.0f}  {row['why']}")


COMMANDS = [segments, cameras]
