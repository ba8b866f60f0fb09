"""Camera effectiveness for the admin page: sightings per day per camera, and overlap.

Overlap of camera A = the share of A's sightings whose plate was also seen by another camera within
10 minutes (either side). A high overlap between two cameras means they see the same cars: a community
short of money can move one of them. Computed over the plate store's (camera, plate, first_seen) in
one ordered pass per plate, and cached for a few minutes (the admin page must not re-read millions of
rows on every visit).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from edge.clock import Clock, from_epoch, to_epoch
from plate_index.store import passes_by_plate

WINDOW_SECONDS = 600
CACHE_SECONDS = 300


@dataclass
class Effectiveness:
    since: datetime
    until: datetime
    days: list[date]
    per_day: dict[str, dict[date, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    overlap: dict[str, float] = field(default_factory=dict)
    pairs: dict[tuple[str, str], float] = field(default_factory=dict)


def compute(
    conn: sqlite3.Connection, since: datetime, until: datetime, window: float = WINDOW_SECONDS
) -> Effectiveness:
    """Read (camera, plate, first_seen) of the period, ordered by plate and time, and count."""
    result = Effectiveness(since=since, until=until, days=_days(since, until))
    rows = passes_by_plate(conn, to_epoch(since), to_epoch(until))
    per_day: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    shared: dict[str, int] = defaultdict(int)
    shared_with: dict[tuple[str, str], int] = defaultdict(int)
    group: list[tuple[str, float]] = []
    current = None
    for plate, camera, first_seen in rows:
        per_day[camera][from_epoch(first_seen).astimezone().date()] += 1
        if plate != current:
            _count_group(group, window, shared, shared_with)
            group, current = [], plate
        group.append((camera, first_seen))
    _count_group(group, window, shared, shared_with)
    result.per_day = {camera: dict(days) for camera, days in per_day.items()}
    result.totals = {camera: sum(days.values()) for camera, days in per_day.items()}
    result.overlap = {camera: shared[camera] / total for camera, total in result.totals.items() if total}
    result.pairs = {
        (a, b): count / result.totals[a] for (a, b), count in shared_with.items() if result.totals.get(a)
    }
    return result


def _count_group(
    group: list[tuple[str, float]],
    window: float,
    shared: dict[str, int],
    shared_with: dict[tuple[str, str], int],
) -> None:
    """For each sighting of one plate (time-ordered), which other cameras saw it within the window."""
    if len(group) < 2:
        return
    low = 0
    for camera, moment in group:
        while group[low][1] < moment - window:
            low += 1
        others: set[str] = set()
        j = low
        while j < len(group) and group[j][1] <= moment + window:
            if group[j][0] != camera:
                others.add(group[j][0])
            j += 1
        if others:
            shared[camera] += 1
            for other in others:
                shared_with[(camera, other)] += 1


def _days(since: datetime, until: datetime) -> list[date]:
    first, last = since.astimezone().date(), (until - timedelta(seconds=1)).astimezone().date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class EffectivenessCache:
    """One computation per CACHE_SECONDS per app, whoever asks."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._value: tuple[float, Effectiveness] | None = None

    def get(self, conn: sqlite3.Connection, days: int) -> Effectiveness:
        with self._lock:
            now = self.clock.monotonic()
            if self._value and now - self._value[0] < CACHE_SECONDS and len(self._value[1].days) >= days:
                return self._value[1]
            until = self.clock.now()
            local_midnight = until.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
            since = local_midnight - timedelta(days=days - 1)
            value = compute(conn, since, until)
            self._value = (now, value)
            return value
