"""`dozor status --config PATH`: is the appliance doing its job? Cameras, disk, retention horizon, plate
reading and what needs attention, in one screen for an installer on SSH (or `--json` for monitoring).

Read-only (health.status reads what the services publish), so it is safe while the daemon runs and tells
the truth after it died. Exit status 0 when nothing needs attention, 1 otherwise, for scripts.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from dozor.cli.common import config_option, load_or_exit


def _local(iso: str | None) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")


@click.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object (UTC times) for monitoring.")
def status(config_path: str, as_json: bool) -> None:
    """Cameras online/offline, disk, retention horizon, plate reading, last errors."""
    from edge.clock import SystemClock
    from health.status import age_text, take_snapshot
    from health.summary import latest_summary_line

    config = load_or_exit(config_path)
    snap = take_snapshot(config, SystemClock().now())
    summary = latest_summary_line(config)
    audit = audit_head(config)
    if as_json:
        out = {**snap.as_dict(), "last_summary": summary, "audit": audit}
        click.echo(json.dumps(out, ensure_ascii=False))
        sys.exit(1 if snap.errors else 0)
    running = "running" if snap.recorder_running else "NOT RUNNING"
    click.echo(f"recorder: {running}; {snap.cameras_online} of {len(snap.cameras)} camera(s) online")
    click.echo(f"{'camera':<16} {'state':<8} {'since (local)':<16}  {'fps':>5} {'kbit/s':>7}  why")
    for cam in snap.cameras:
        click.echo(f"{cam.camera:<16} {cam.state:<8} {_local(cam.since):<16}  {cam.fps:>5.1f} "
                   f"{cam.kbps:>7.0f}  {cam.why}")
    disk = snap.disk
    click.echo(f"disk: {disk['recorded_gb']:.1f} GB of recordings in {disk['path']}, "
               f"{disk['free_gb']:.1f} GB free of {disk['total_gb']:.1f} GB "
               f"(keeps {disk['min_free_gb']} GB free)")
    if disk["holds"]:
        click.echo(f"case holds: {disk['holds']} keep {disk['held_gb']:.2f} GB of video past retention")
    click.echo(f"retention horizon: {age_text(snap.retention_horizon_s)} (oldest recording "
               f"{_local(snap.oldest_recording)}; kept up to {disk['retention_days']} d); "
               + (f"last segment {age_text(snap.last_segment_age_s)} ago" if snap.last_segment_end
                  else "no segment yet"))
    if snap.lpr:
        click.echo(f"{'plate reading':<16} {'state':<10} {'analysed':>9} {'dropped':>8} {'sightings':>9} "
                   f"{'restarts':>8}")
        for row in snap.lpr:
            click.echo(f"{row['camera']:<16} {row['state']:<10} {row['frames_analysed']:>9} "
                       f"{row['frames_dropped']:>8} {row['sightings']:>9} {row['worker_restarts']:>8}")
    else:
        click.echo("plate reading: no counters yet")
    if snap.index:
        _index_lines(snap.index)
    if audit:
        click.echo(f"audit log head: {audit['entry']}:{audit['hash']} (write it down: `dozor audit verify "
                   f"--head` checks later that it is still in the log); {_witnessed_text(audit, snap.now)}")
    if summary:
        click.echo(f"last night: {summary}")
    if snap.errors:
        click.echo("needs attention:")
        for error in snap.errors:
            click.echo(f"  - {error}")
        sys.exit(1)
    click.echo("nothing needs attention")


def _index_lines(index: dict) -> None:
    """This node's shipping to the shared index, and every node the index knows (on the hub)."""
    from edge.clock import age_text

    behind = f", oldest {age_text(index['behind_s'])} old" if index["waiting"] else ""
    click.echo(f"shared index: node {index['node']}, {index['waiting']} change(s) waiting in the outbox"
               f"{behind}; last shipped {_local(index['shipped_at'])}"
               + (f"; last error: {index['last_error']}" if index["last_error"] else ""))
    if not index["reachable"]:
        click.echo("shared index: NOT REACHABLE now (search on the hub cannot answer; sightings wait here)")
        return
    click.echo(f"{'node':<16} {'video':<13} {'last shipped':<16}  {'last sighting':<16}  {'waiting':>8} "
               f"{'sightings':>10}")
    for node in index["nodes"]:
        video = {True: "reachable", False: "NOT REACHABLE"}.get(node.get("video"), "-")
        click.echo(f"{node['node']:<16} {video:<13} {_local(node['shipped_at']):<16}  "
                   f"{_local(node.get('last_sighting')):<16}  {node['waiting']:>8} {node['sightings']:>10}")


def audit_head(config) -> dict | None:
    """The audit log's head (entry, hash, log id) and the last head witnessed in the anchor file, or None
    before the web UI's database exists."""
    import sqlite3

    from accounts.audit import read_head
    from accounts.audit_witnessed import latest_in_anchor
    from edge.clock import utc_iso
    from edge.db import connect
    from edge.layout import DataLayout

    layout = DataLayout(config.storage.path)
    if not layout.web_db.exists():
        return None
    conn = connect(layout.web_db, readonly=True)
    try:
        head = read_head(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    witnessed = latest_in_anchor(layout.audit_anchor)
    return {
        "entry": head.entry_id,
        "hash": head.hash,
        "log": head.log_id,
        "witnessed": {"entry": witnessed.entry_id, "at": utc_iso(witnessed.at)}
        if witnessed and witnessed.at else None,
    }


def _witnessed_text(audit: dict, now: str) -> str:
    from edge.clock import age_text

    witnessed = audit["witnessed"]
    if witnessed is None:
        return "not witnessed yet (the web service witnesses it)"
    ago = (datetime.fromisoformat(now.replace("Z", "+00:00"))
           - datetime.fromisoformat(witnessed["at"].replace("Z", "+00:00"))).total_seconds()
    return f"last witnessed at entry {witnessed['entry']}, {age_text(ago)} ago"


COMMANDS = [status]
