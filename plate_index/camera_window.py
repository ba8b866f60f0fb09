"""The sightings of one camera in a time window, oldest first: the marks on the recordings timeline.

Read through the sightings_by_time index; `limit` bounds what a 24-hour window of a busy road returns
(the timeline cannot draw more marks than it has pixels anyway).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from edge.clock import from_epoch, to_epoch

WINDOW_LIMIT = 2000


@dataclass(frozen=True)
class WindowSighting:
    id: int
    plate: str
    first_seen: datetime
    last_seen: datetime


def sightings_in_window(
    conn: sqlite3.Connection, camera: str, since: datetime, until: datetime, limit: int = WINDOW_LIMIT
) -> list[WindowSighting]:
    """Sightings of `camera` first seen in [since, until), oldest first, at most `limit`."""
    rows = conn.execute(
        "SELECT id, plate, first_seen, last_seen FROM sightings "
        "WHERE first_seen >= ? AND first_seen < ? AND camera = ? ORDER BY first_seen LIMIT ?",
        (to_epoch(since), to_epoch(until), camera, limit),
    ).fetchall()
    return [WindowSighting(r[0], r[1], from_epoch(r[2]), from_epoch(r[3])) for r in rows]
