"""The nightly summary: one line per day saying what the appliance did (recorded hours per camera,
outages, sightings, disk), written to the log and kept in summaries.db for the admin page and
`dozor status`.

Days are local days (a village's "yesterday", not UTC's), so the daemon runs the job at 00:05 local
time (edge.jobs) for the day that just ended, and at start-up writes yesterday's line if the daemon was
down at 00:05. Its own small store, apart from the catalog and plates.db: those have one writer each,
and the summary is written by neither the recorder nor plate reading. Numbers come from the stores, so
a summary can be recomputed for any day still within retention.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from edge import db
from edge.clock import Clock, to_epoch
from edge.config import Config
from edge.layout import DataLayout

log = logging.getLogger(__name__)

SHOWN_DAYS = 14
MIGRATIONS = [
    """
    CREATE TABLE daily_summaries (
        day TEXT PRIMARY KEY,          -- local date, YYYY-MM-DD
        written REAL NOT NULL,         -- epoch UTC
        line TEXT NOT NULL,            -- the line that went to the log
        data TEXT NOT NULL             -- the figures as JSON (DaySummary)
    );
    """,
]


@dataclass
class CameraDay:
    camera: str
    recorded_hours: float
    outages: int
    outage_minutes: float
    sightings: int


@dataclass
class DaySummary:
    day: str  # local date YYYY-MM-DD
    cameras: list[CameraDay]
    recorded_gb: float
    free_gb: float

    def line(self) -> str:
        parts = [
            f"{c.camera} {c.recorded_hours:.1f} h, {c.outages} outage{'s' if c.outages != 1 else ''}"
            + (f" ({c.outage_minutes:.0f} min)" if c.outages else "")
            + f", {c.sightings} sighting{'s' if c.sightings != 1 else ''}"
            for c in self.cameras
        ]
        disk = f"disk {self.recorded_gb:.1f} GB recorded, {self.free_gb:.1f} GB free"
        return f"summary {self.day}: " + "; ".join([*(parts or ["no cameras"]), disk])

    @classmethod
    def from_json(cls, text: str) -> DaySummary:
        data = json.loads(text)
        cameras = [CameraDay(**c) for c in data["cameras"]]
        return cls(data["day"], cameras, data["recorded_gb"], data["free_gb"])


def local_zone() -> tzinfo:
    """The appliance's zone (/etc/localtime), with its DST rules, not just today's offset."""
    from tzlocal import get_localzone

    return get_localzone()


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of `day` in UTC (23 or 25 hours on DST days; in UTC, since
    Python subtracts two times of one zone by their wall clocks)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def summarise_day(config: Config, day: date, zone: tzinfo, now: datetime) -> DaySummary:
    """The figures of one local day, from the catalog and the plate store (read-only)."""
    from health.status import disk_figures

    layout = DataLayout(config.storage.path)
    start, end = day_bounds(day, zone)
    end = min(end, now)
    names = [c.name for c in config.cameras]
    recorded, outages, total_bytes = {n: 0.0 for n in names}, {n: (0, 0.0) for n in names}, 0
    if layout.catalog_db.exists():
        from recorder.catalog import open_catalog, outages_between, recorded_bytes, segments_between

        conn = open_catalog(layout, readonly=True)
        try:
            for name in names:
                segments = segments_between(conn, name, start, end)
                recorded[name] = sum(_overlap(s.start, s.end, start, end) for s in segments) / 3600
                gaps = outages_between(conn, name, start, end)
                minutes = sum(_overlap(o.start, o.end or end, start, end) for o in gaps) / 60
                outages[name] = (len(gaps), minutes)
            total_bytes = recorded_bytes(conn)
        finally:
            conn.close()
    sightings = _sightings_per_camera(layout, start, end)
    cameras = [
        CameraDay(n, round(recorded[n], 2), outages[n][0], round(outages[n][1], 1), sightings.get(n, 0))
        for n in names
    ]
    disk = disk_figures(config, total_bytes)
    return DaySummary(day.isoformat(), cameras, disk["recorded_gb"], disk["free_gb"])


def open_summaries(layout: DataLayout, *, readonly: bool = False) -> sqlite3.Connection:
    conn = db.connect(layout.summaries_db, readonly=readonly)
    if not readonly:
        db.migrate(conn, MIGRATIONS, "summaries")
    return conn


def store_summary(layout: DataLayout, summary: DaySummary, written: datetime) -> None:
    conn = open_summaries(layout)
    try:
        with conn:
            conn.execute(
                "INSERT OR REPLACE INTO daily_summaries (day, written, line, data) VALUES (?, ?, ?, ?)",
                (summary.day, to_epoch(written), summary.line(), json.dumps(asdict(summary))),
            )
    finally:
        conn.close()


def recent_summaries(layout: DataLayout, limit: int = SHOWN_DAYS) -> list[DaySummary]:
    """The last `limit` days' summaries, newest first ([] before the first night)."""
    if not layout.summaries_db.exists():
        return []
    conn = open_summaries(layout, readonly=True)
    try:
        rows = conn.execute("SELECT data FROM daily_summaries ORDER BY day DESC LIMIT ?", (limit,)).fetchall()
    except sqlite3.OperationalError:  # created but not yet migrated by the daemon
        return []
    finally:
        conn.close()
    return [DaySummary.from_json(row["data"]) for row in rows]


def sightings_per_day(layout: DataLayout, first: date, last: date) -> dict[date, int]:
    """Sightings of each summarised local day in [first, last), all cameras together: the count the
    nightly summary took before retention deleted any of them (the transparency report's reads of days
    past retention). Days without a summary are absent."""
    if not layout.summaries_db.exists():
        return {}
    conn = open_summaries(layout, readonly=True)
    try:
        rows = conn.execute("SELECT data FROM daily_summaries WHERE day >= ? AND day < ?",
                            (first.isoformat(), last.isoformat())).fetchall()
    except sqlite3.OperationalError:  # created but not yet migrated by the daemon
        return {}
    finally:
        conn.close()
    found = [DaySummary.from_json(row["data"]) for row in rows]
    return {date.fromisoformat(s.day): sum(c.sightings for c in s.cameras) for s in found}


def latest_summary_line(config: Config) -> str | None:
    found = recent_summaries(DataLayout(config.storage.path), limit=1)
    return found[0].line() if found else None


class NightlySummary:
    """The daemon's job: `run()` summarises the local day before today; `catch_up()` does it only if
    that day has no line yet (the daemon was down at 00:05)."""

    def __init__(self, config: Config, clock: Clock, zone: tzinfo | None = None):
        self.config = config
        self.layout = DataLayout(config.storage.path)
        self.clock = clock
        self.zone = zone or local_zone()

    def yesterday(self) -> date:
        return self.clock.now().astimezone(self.zone).date() - timedelta(days=1)

    def run(self) -> DaySummary:
        now = self.clock.now()
        summary = summarise_day(self.config, self.yesterday(), self.zone, now)
        store_summary(self.layout, summary, now)
        log.info("%s", summary.line())
        return summary

    def catch_up(self) -> DaySummary | None:
        days = [s.day for s in recent_summaries(self.layout, limit=1)]
        if days and days[0] >= self.yesterday().isoformat():
            return None
        return self.run()


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def _sightings_per_camera(layout: DataLayout, start: datetime, end: datetime) -> dict[str, int]:
    if not layout.plates_db.exists():
        return {}
    from plate_index.store import open_store

    conn = open_store(layout.plates_db, readonly=True)
    try:
        rows: Any = conn.execute(
            "SELECT camera, COUNT(*) FROM sightings WHERE first_seen >= ? AND first_seen < ? GROUP BY camera",
            (to_epoch(start), to_epoch(end)),
        )
        return {camera: count for camera, count in rows}
    finally:
        conn.close()
