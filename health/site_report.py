"""The site acceptance report: what an installer hands to the community when leaving a site.

It says, for a period (the last 24 hours by default), whether each camera is online and how much of
the period it recorded, with its outages; for each plate-reading camera, how many plates passed, how
many were read and how wide they were; how many days of video the disk really holds at the bitrates
the cameras measured; and whether the clock is synchronised. Every figure comes from the catalog, the
plate store's passes and the disk, read-only, like `dozor status`; nothing is estimated from the
config. It carries no plate text: the sightings' plates are never read here.
webui.site_report_page renders it as printable HTML in Ukrainian or English.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass, field
from datetime import datetime

from edge import __version__
from edge.clock import to_epoch
from edge.config import Config
from edge.layout import DataLayout
from edge.time_sync import TimeSync, time_sync
from health.cameras import availability
from recorder.reasons import Reason

GB = 1e9
LONGEST_OUTAGES = 10


@dataclass(frozen=True)
class OutageLine:
    camera: str
    start: datetime
    end: datetime | None  # None: still offline
    minutes: float  # within the period
    reason: Reason


@dataclass
class CameraFigures:
    name: str
    title: str
    enabled: bool
    lpr: bool
    online: bool
    recorded_hours: float  # within the period
    outages: int
    outage_minutes: float
    kbps: float | None  # measured on its segments of the period; None without any
    passes_seen: int | None = None  # lpr cameras only
    plates_read: int | None = None
    median_plate_width: float | None = None

    @property
    def share_read(self) -> float | None:
        if not self.passes_seen:
            return None
        return (self.plates_read or 0) / self.passes_seen


@dataclass(frozen=True)
class DiskFigures:
    total_gb: float
    free_gb: float
    recorded_gb: float  # video kept now
    usable_gb: float  # what video may fill: recorded + free - min_free_gb, capped at max_disk_gb
    gb_per_day: float | None  # at the cameras' measured bitrates
    days_held: float | None
    retention_days: int
    unmeasured: list[str] = field(default_factory=list)  # enabled cameras with no video in the period

    @property
    def holds_retention(self) -> bool | None:
        return None if self.days_held is None else self.days_held >= self.retention_days


@dataclass
class SiteReport:
    host: str
    version: str
    generated: datetime
    since: datetime
    until: datetime
    recorder_running: bool
    cameras: list[CameraFigures]
    outages: list[OutageLine]  # the longest, longest first
    disk: DiskFigures
    time: TimeSync

    @property
    def period_hours(self) -> float:
        return (self.until - self.since).total_seconds() / 3600

    @property
    def lpr_cameras(self) -> list[CameraFigures]:
        return [c for c in self.cameras if c.lpr and c.enabled]


def build_report(config: Config, since: datetime, until: datetime, now: datetime,
                 sync: TimeSync | None = None) -> SiteReport:
    layout = DataLayout(config.storage.path)
    cameras = [CameraFigures(c.name, c.display_name, c.enabled, c.lpr and config.lpr.enabled, False, 0.0, 0,
                             0.0, None) for c in config.cameras]
    outages: list[OutageLine] = []
    recorded, running = 0, False
    if layout.catalog_db.exists():
        recorded, running = _recording(layout, cameras, outages, since, until, now)
    if layout.plates_db.exists():
        _plates(layout, cameras, since, until)
    outages.sort(key=lambda o: -o.minutes)
    return SiteReport(
        host=socket.gethostname(), version=__version__, generated=now, since=since, until=until,
        recorder_running=running, cameras=cameras, outages=outages[:LONGEST_OUTAGES],
        disk=_disk(config, cameras, recorded), time=sync or time_sync(),
    )


def _recording(layout: DataLayout, cameras: list[CameraFigures], outages: list[OutageLine],
               since: datetime, until: datetime, now: datetime) -> tuple[int, bool]:
    from recorder.catalog import (
        camera_statuses,
        open_catalog,
        outages_between,
        recorded_bytes,
        segments_between,
    )

    conn = open_catalog(layout, readonly=True)
    try:
        statuses = camera_statuses(conn)
        for camera in cameras:
            camera.online = availability(camera.enabled, statuses.get(camera.name), now).online
            segments = segments_between(conn, camera.name, since, until)
            camera.recorded_hours = sum(overlap(s.start, s.end, since, until) for s in segments) / 3600
            seconds = sum(s.seconds for s in segments)
            camera.kbps = sum(s.bytes for s in segments) * 8 / 1000 / seconds if seconds > 0 else None
            for outage in outages_between(conn, camera.name, since, until):
                minutes = overlap(outage.start, outage.end or until, since, until) / 60
                camera.outages += 1
                camera.outage_minutes += minutes
                outages.append(OutageLine(camera.name, outage.start, outage.end, minutes, outage.reason))
        running = any(not s.is_stale(now) for s in statuses.values())
        return recorded_bytes(conn), running
    finally:
        conn.close()


def _plates(layout: DataLayout, cameras: list[CameraFigures], since: datetime, until: datetime) -> None:
    import sqlite3

    from plate_index.passes import pass_figures
    from plate_index.store import open_store

    conn = open_store(layout.plates_db, readonly=True)
    try:
        for camera in cameras:
            if not camera.lpr:
                continue
            try:
                figures = pass_figures(conn, camera.name, to_epoch(since), to_epoch(until))
            except sqlite3.OperationalError:  # a store the daemon has not migrated to passes yet
                return
            camera.passes_seen, camera.plates_read = figures.seen, figures.read
            camera.median_plate_width = figures.median_width
    finally:
        conn.close()


def _disk(config: Config, cameras: list[CameraFigures], recorded: int) -> DiskFigures:
    storage = config.storage
    usage = shutil.disk_usage(storage.path if storage.path.exists() else storage.path.parent)
    usable = recorded + usage.free - storage.min_free_gb * GB
    if storage.max_disk_gb:
        usable = min(usable, storage.max_disk_gb * GB)
    usable = max(0.0, usable)
    enabled = [c for c in cameras if c.enabled]
    measured = [c for c in enabled if c.kbps]
    per_day = sum(c.kbps or 0 for c in measured) * 1000 / 8 * 86400
    return DiskFigures(
        total_gb=usage.total / GB, free_gb=usage.free / GB, recorded_gb=recorded / GB, usable_gb=usable / GB,
        gb_per_day=per_day / GB if measured else None, days_held=usable / per_day if per_day else None,
        retention_days=storage.retention_days, unmeasured=[c.name for c in enabled if not c.kbps],
    )


def overlap(start: datetime, end: datetime, since: datetime, until: datetime) -> float:
    """Seconds of [start, end) inside [since, until)."""
    return max(0.0, (min(end, until) - max(start, since)).total_seconds())
