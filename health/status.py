"""The appliance's state in one snapshot, for `dozor status`, `/healthz` and the nightly summary.

Read-only and daemon-free: everything comes from what the services already publish (the catalog's
camera status rows and segments, plates.db's lpr_status counters) plus the disk itself, so it works
while the daemon runs, after it died, and from another process. A status row older than
recorder.catalog.STATUS_STALE_SECONDS means the recorder is not running, the rule the web UI uses too.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from edge.clock import age_text, from_epoch, to_epoch, utc_iso
from edge.config import CameraConfig, Config
from edge.layout import DataLayout
from health.cameras import availability
from recorder.catalog import CameraStatus

GB = 1e9
SPACE_ALERT_SECONDS = 3600  # a deletion for free space is "needs attention" for this long


@dataclass
class CameraState:
    camera: str
    state: str  # online / offline
    since: str | None  # UTC ISO
    why: str  # "" when online
    fps: float = 0.0
    kbps: float = 0.0


@dataclass
class Snapshot:
    now: str
    recorder_running: bool
    cameras: list[CameraState]
    disk: dict[str, Any]
    oldest_recording: str | None
    retention_horizon_s: float | None  # age of the oldest recording
    last_segment_end: str | None
    last_segment_age_s: float | None
    lpr: list[dict[str, Any]]
    index: dict[str, Any] | None = None  # the shared index ([index] url): this node's outbox, every node
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def cameras_online(self) -> int:
        return sum(1 for c in self.cameras if c.state == "online")


def take_snapshot(config: Config, now: datetime) -> Snapshot:
    layout = DataLayout(config.storage.path)
    statuses, oldest, newest, recorded = {}, None, None, 0
    if layout.catalog_db.exists():
        from recorder.catalog import camera_statuses, open_catalog, recorded_bytes

        conn = open_catalog(layout, readonly=True)
        try:
            statuses = camera_statuses(conn)
            oldest, newest = segment_span(conn)
            recorded = recorded_bytes(conn)
        finally:
            conn.close()
    running = any(not s.is_stale(now) for s in statuses.values())
    cameras = [_camera_state(c, statuses.get(c.name), now) for c in config.cameras]
    lpr = lpr_counters(layout)
    snapshot = Snapshot(
        now=utc_iso(now),
        recorder_running=running,
        cameras=cameras,
        disk={**disk_figures(config, recorded), **hold_figures(config, now)},
        oldest_recording=utc_iso(oldest) if oldest else None,
        retention_horizon_s=round((now - oldest).total_seconds()) if oldest else None,
        last_segment_end=utc_iso(newest) if newest else None,
        last_segment_age_s=round((now - newest).total_seconds(), 1) if newest else None,
        lpr=lpr,
        index=index_figures(config, now) if config.index.url else None,
    )
    snapshot.errors = _errors(config, snapshot)
    return snapshot


SHIPPING_LATE_SECONDS = 3600.0  # an outbox entry older than this needs attention (a link down for an hour)


def index_figures(config: Config, now: datetime) -> dict[str, Any]:
    """How far behind this node's outbox is (its length, the age of its oldest entry, the last error),
    and what the shared index knows of every node (when it last shipped, what it had left)."""
    from plate_index import outbox
    from plate_index.store import open_store

    layout = DataLayout(config.storage.path)
    figures: dict[str, Any] = {"node": config.index.node_name, "waiting": 0, "behind_s": 0.0,
                               "shipped_at": None, "last_error": "", "nodes": None, "reachable": False}
    if layout.plates_db.exists():
        try:
            with closing(open_store(layout.plates_db, readonly=True)) as conn:
                state = outbox.state(conn)
        except sqlite3.Error:  # a plates.db from before the outbox: the daemon migrates it at start
            state = None
        if state is not None:
            figures.update(
                waiting=state.waiting,
                behind_s=round(max(0.0, to_epoch(now) - (state.oldest_queued or to_epoch(now))), 1),
                shipped_at=utc_iso(from_epoch(state.shipped_at)) if state.shipped_at else None,
                last_error=state.last_error,
            )
    import psycopg

    from plate_index.pg_index import PostgresIndex

    try:
        index = PostgresIndex.open(config.index.url, readonly=True)
    except psycopg.Error as exc:
        figures["last_error"] = figures["last_error"] or " ".join(str(exc).split())[:300]
        return figures
    try:
        figures["reachable"] = True
        figures["nodes"] = [
            {"node": n.name, "shipped_at": utc_iso(n.shipped_at) if n.shipped_at else None,
             "last_sighting": utc_iso(n.last_sighting) if n.last_sighting else None,
             "waiting": n.backlog, "sightings": n.sightings}
            for n in index.nodes()
        ]
    finally:
        index.close()
    add_node_links(config, figures["nodes"])
    return figures


def add_node_links(config: Config, nodes: list[dict[str, Any]]) -> None:
    """On a hub: whether each of its [[nodes]] answers over HTTPS now (`video` true/false, `video_error`
    why not), asked of all at once; a node configured but not shipped yet is listed too."""
    from concurrent.futures import ThreadPoolExecutor

    from edge.node_client import NodeClient, NodeUnreachable

    def ask(link: Any) -> tuple[str, str]:
        try:
            NodeClient(link.name, link.url, link.fingerprint, link.key_file).ping()
        except NodeUnreachable as exc:
            return link.name, str(exc)
        return link.name, ""

    if not config.nodes:
        return
    with ThreadPoolExecutor(max_workers=min(8, len(config.nodes))) as pool:
        answers = dict(pool.map(ask, config.nodes))
    listed = {n["node"] for n in nodes}
    nodes += [{"node": name, "shipped_at": None, "last_sighting": None, "waiting": 0, "sightings": 0}
              for name in sorted(answers) if name not in listed]
    for node in nodes:
        if node["node"] in answers:
            node["video"] = not answers[node["node"]]
            node["video_error"] = answers[node["node"]]


def health_figures(config: Config, now: datetime) -> dict[str, Any]:
    """What monitoring needs and nothing more (no camera names, no plate data): /healthz shows it."""
    layout = DataLayout(config.storage.path)
    statuses, newest = {}, None
    if layout.catalog_db.exists():
        from recorder.catalog import camera_statuses, open_catalog

        conn = open_catalog(layout, readonly=True)
        try:
            statuses = camera_statuses(conn)
            newest = segment_span(conn)[1]
        finally:
            conn.close()
    enabled = [c for c in config.cameras if c.enabled]
    states = [availability(True, statuses.get(c.name), now) for c in enabled]
    probe = config.storage.path if config.storage.path.exists() else config.storage.path.parent
    return {
        "recording": {
            "running": any(not s.is_stale(now) for s in statuses.values()),
            "cameras_online": sum(1 for state in states if state.online),
            "cameras_total": len(enabled),
            "last_segment_age_s": round((now - newest).total_seconds(), 1) if newest else None,
        },
        "disk": {"free_gb": round(shutil.disk_usage(probe).free / GB, 1)},
    }


def segment_span(conn: sqlite3.Connection) -> tuple[datetime | None, datetime | None]:
    """(start of the oldest segment, end of the newest): the retention horizon and "still recording?"."""
    low, high = conn.execute("SELECT MIN(start_ts), MAX(end_ts) FROM segments").fetchone()
    return (from_epoch(low) if low is not None else None, from_epoch(high) if high is not None else None)


def disk_figures(config: Config, recorded_bytes: int) -> dict[str, Any]:
    root = config.storage.path
    probe = root if root.exists() else root.parent
    usage = shutil.disk_usage(probe)
    return {
        "path": str(root),
        "total_gb": round(usage.total / GB, 1),
        "free_gb": round(usage.free / GB, 1),
        "recorded_gb": round(recorded_bytes / GB, 2),
        "min_free_gb": config.storage.min_free_gb,
        "max_disk_gb": config.storage.max_disk_gb,
        "retention_days": config.storage.retention_days,
    }


def hold_figures(config: Config, now: datetime) -> dict[str, Any]:
    """Case holds in force and the video they keep; `holds_over_cap` when held video alone is more than
    max_disk_gb (retention then keeps it and goes on recording: only the admin can release holds or
    raise the cap). Shown by `dozor status` and the admin page."""
    from recorder.catalog import held_bytes, open_catalog
    from recorder.holds import active

    layout = DataLayout(config.storage.path)
    holds, held = active(layout, now.timestamp()), 0
    if holds and layout.catalog_db.exists():
        conn = open_catalog(layout, readonly=True)
        try:
            held = held_bytes(conn, holds)
        finally:
            conn.close()
    cap = config.storage.max_disk_gb
    over = bool(cap and held > cap * GB)
    return {"holds": len(holds), "held_gb": round(held / GB, 2), "holds_over_cap": over}


def lpr_counters(layout: DataLayout) -> list[dict[str, Any]]:
    """plates.db's lpr_status rows (times as UTC ISO), [] before plate reading ever ran."""
    if not layout.plates_db.exists():
        return []
    from plate_index.status import read_status
    from plate_index.store import open_store

    conn = open_store(layout.plates_db, readonly=True)
    try:
        rows = read_status(conn)
    except sqlite3.OperationalError:  # a store from before the counters existed
        return []
    finally:
        conn.close()
    for row in rows:
        row["since"] = utc_iso(from_epoch(row["since"])) if row["since"] else None
        row["updated"] = utc_iso(from_epoch(row["updated"]))
    return rows


def _camera_state(camera: CameraConfig, status: CameraStatus | None, now: datetime) -> CameraState:
    state = availability(camera.enabled, status, now)
    if not state.online:
        since = utc_iso(state.since) if state.since else None
        return CameraState(camera.name, "offline", since, state.reason.english() if state.reason else "")
    assert status is not None  # online means a fresh status row
    return CameraState(camera.name, "online", utc_iso(status.since), "", status.fps, status.kbps)


def _errors(config: Config, snap: Snapshot) -> list[str]:
    """What an installer should look at first, most serious first."""
    out = []
    if config.cameras and not snap.recorder_running:
        out.append("the recorder is not running (systemctl status dozor; journalctl -u dozor)")
    enabled = {c.name for c in config.cameras if c.enabled}
    for cam in snap.cameras:
        if cam.state != "online" and cam.camera in enabled and snap.recorder_running:
            out.append(f"camera {cam.camera} offline: {cam.why}")
    out += _disk_errors(config, snap)
    if snap.disk["holds_over_cap"]:
        out.append(
            f"case holds alone exceed the disk cap: {snap.disk['holds']} hold(s) keep "
            f"{snap.disk['held_gb']:.2f} GB of video, max_disk_gb = {config.storage.max_disk_gb}; recording "
            "goes on past the cap: release holds that are no longer needed, or raise max_disk_gb"
        )
    for row in snap.lpr:
        if row["last_error"]:
            out.append(f"plate reading on {row['camera']}: {row['last_error']}")
    index = snap.index
    for node in (index or {}).get("nodes") or []:
        if node.get("video_error"):
            out.append(f"node {node['node']}: its video cannot be fetched ({node['video_error']})")
    if index and index["behind_s"] > SHIPPING_LATE_SECONDS:
        out.append(
            f"the shared plate index is {age_text(index['behind_s'])} behind: {index['waiting']} change(s) "
            f"wait in this node's outbox (they are kept and shipped when it answers); last error: "
            f"{index['last_error'] or 'none'}"
        )
    return out


def _disk_errors(config: Config, snap: Snapshot) -> list[str]:
    """A disk short of min_free_gb, with who takes the space: when other files do, Dozor deletes its own
    oldest recordings to make room (the retention horizon shrinks), and only the admin can fix that."""
    root = config.storage.path
    usage = shutil.disk_usage(root if root.exists() else root.parent)
    keep = config.storage.min_free_gb
    recorded = snap.disk["recorded_gb"]
    other = max(0.0, usage.used / GB - recorded)
    deleted = space_deletion(config, datetime.fromisoformat(snap.now.replace("Z", "+00:00")))
    if deleted:
        return [
            f"disk full: recordings only {age_text(deleted['age_s'])} old were deleted "
            f"{age_text(deleted['ago_s'])} ago to keep {keep} GB free (retention_days = "
            f"{config.storage.retention_days}); recordings take {recorded:.2f} GB, "
            f"other files {other:.2f} GB of {usage.total / GB:.2f} GB: free space or set max_disk_gb"
        ]
    if usage.free >= keep * GB and usage.free > 0:
        return []
    return [
        f"disk almost full: {usage.free / GB:.2f} GB free of {usage.total / GB:.2f} GB "
        f"(min_free_gb = {keep}); "
        f"recordings take {recorded:.2f} GB, other files {other:.2f} GB; the oldest recordings are deleted "
        f"to make room (horizon {age_text(snap.retention_horizon_s)})"
    ]


def space_deletion(config: Config, now: datetime) -> dict[str, float] | None:
    """The recorder deleted video for free space within the last hour, video younger than retention_days
    (recorder.retention notes it): the promised days are not kept. None otherwise. Also shown on the
    admin page, since the admin is who can free the disk."""
    import json

    from recorder.retention import SPACE_DELETION_FILE

    try:
        record = json.loads((config.storage.path / SPACE_DELETION_FILE).read_text())
    except (OSError, ValueError):
        return None
    ago, age = now.timestamp() - record["at"], record["at"] - record["newest_deleted_start"]
    if ago > SPACE_ALERT_SECONDS or age > config.storage.retention_days * 86400:
        return None
    return {"ago_s": max(0.0, ago), "age_s": age}
