"""Case holds (holds.db): video of a camera over a time range that retention keeps past retention_days,
for a case, until an end date.

A car found on day 13 of 14 would lose its video the next day unless someone exported it in time; a
hold keeps it (and the sightings and pictures of that camera and time, plate_index.store.prune) until
the hold ends or is released by hand. A hold counts from its place until `until`, and after
`released_at` no more: retention asks only `active()`.

The web UI places and releases holds (its own store, so the recorder never waits on web.db); the
daemon writes "ended" on holds whose end date passed (dozor.holds_job) and audits it. Retention reads
holds.db and keeps what they cover: by age and by the disk cap always; for the free-space floor only
while unheld video is left, since recording must never stop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from edge.clock import from_epoch, utc_iso
from edge.db import connect, migrate
from edge.layout import DataLayout

MIGRATIONS = [
    """
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        sighting_id INTEGER,
        case_number TEXT NOT NULL,
        case_reason TEXT NOT NULL,
        placed_by TEXT NOT NULL,
        placed_at REAL NOT NULL,
        until REAL NOT NULL,
        released_at REAL,
        released_by TEXT NOT NULL DEFAULT '',
        release_why TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX holds_open ON holds(released_at, until);
    """,
]
RELEASED_BY_HAND = "by_hand"
ENDED = "ended"


@dataclass(frozen=True)
class Hold:
    id: int
    camera: str
    start: float  # epoch seconds: the video held, from...
    end: float  # ... to
    sighting_id: int | None  # placed from a sighting page, or None for a time range
    case_number: str
    case_reason: str
    placed_by: str
    placed_at: float
    until: float  # when it ends by itself
    released_at: float | None = None
    released_by: str = ""
    release_why: str = ""

    def active(self, now: float) -> bool:
        return self.released_at is None and self.until > now

    def covers(self, camera: str, start: float, end: float) -> bool:
        return camera == self.camera and start < self.end and end > self.start

    def audit_detail(self) -> dict[str, Any]:
        """What an audit entry about this hold says of it (no plate text)."""
        detail: dict[str, Any] = {"camera": self.camera, "from": _iso(self.start), "to": _iso(self.end),
                                  "until": _iso(self.until)}
        return {**detail, "sighting": self.sighting_id} if self.sighting_id else detail


def open_holds(layout: DataLayout) -> sqlite3.Connection:
    conn = connect(layout.holds_db)
    migrate(conn, MIGRATIONS, "holds")
    return conn


def place(conn: sqlite3.Connection, hold: Hold) -> int:
    """Store a new hold (its id is assigned); returns the id."""
    with conn:
        cursor = conn.execute(
            "INSERT INTO holds (camera, start, end, sighting_id, case_number, case_reason, placed_by,"
            " placed_at, until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (hold.camera, hold.start, hold.end, hold.sighting_id, hold.case_number, hold.case_reason,
             hold.placed_by, hold.placed_at, hold.until),
        )
    return int(cursor.lastrowid or 0)


def withdraw(conn: sqlite3.Connection, hold_id: int) -> None:
    """Delete a hold just placed whose audit entry could not be written (it never took effect)."""
    with conn:
        conn.execute("DELETE FROM holds WHERE id = ?", (hold_id,))


def release(conn: sqlite3.Connection, hold_id: int, at: float, by: str, why: str = RELEASED_BY_HAND) -> bool:
    """Release an open hold; False when there is no such open hold."""
    with conn:
        changed = conn.execute(
            "UPDATE holds SET released_at = ?, released_by = ?, release_why = ?"
            " WHERE id = ? AND released_at IS NULL",
            (at, by, why, hold_id),
        ).rowcount
    return changed == 1


def due(conn: sqlite3.Connection, now: float) -> list[Hold]:
    """The open holds whose end date passed: each is audited, then marked ended (release(..., ENDED))."""
    return [h for h in all_holds(conn) if h.released_at is None and h.until <= now]


def all_holds(conn: sqlite3.Connection) -> list[Hold]:
    """Every hold, the newest first (admins see them all)."""
    return [_hold(row) for row in conn.execute("SELECT * FROM holds ORDER BY id DESC")]


def get(conn: sqlite3.Connection, hold_id: int) -> Hold | None:
    row = conn.execute("SELECT * FROM holds WHERE id = ?", (hold_id,)).fetchone()
    return _hold(row) if row else None


def active(layout: DataLayout, now: float) -> list[Hold]:
    """The holds in force at `now`, read-only; [] before the first hold was placed."""
    if not layout.holds_db.exists():
        return []
    conn = connect(layout.holds_db, readonly=True)
    try:
        rows = conn.execute(
            "SELECT * FROM holds WHERE released_at IS NULL AND until > ?", (now,)
        ).fetchall()
    except sqlite3.OperationalError:  # created but not migrated yet
        return []
    finally:
        conn.close()
    return [_hold(row) for row in rows]


def held(holds: Sequence[Hold], camera: str, start: float, end: float) -> bool:
    return any(hold.covers(camera, start, end) for hold in holds)


def keep_clause(holds: Iterable[Hold], camera_col: str, start_col: str, end_col: str) -> tuple[str, list]:
    """An SQL condition (and its arguments) true for rows no hold covers."""
    sql, args = "", list[object]()
    for hold in holds:
        sql += f" AND NOT ({camera_col} = ? AND {start_col} < ? AND {end_col} > ?)"
        args += [hold.camera, hold.end, hold.start]
    return sql, args


def held_clause(holds: Iterable[Hold], camera_col: str, start_col: str, end_col: str) -> tuple[str, list]:
    """An SQL condition (and its arguments) true for rows a hold covers (false without holds)."""
    sql, args = "0", list[object]()
    for hold in holds:
        sql += f" OR ({camera_col} = ? AND {start_col} < ? AND {end_col} > ?)"
        args += [hold.camera, hold.end, hold.start]
    return f"({sql})", args


def _iso(epoch: float) -> str:
    return utc_iso(from_epoch(epoch))


def _hold(row: sqlite3.Row) -> Hold:
    return Hold(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - a Row's `in` looks at values


def ending_within(holds: Iterable[Hold], now: float, seconds: float) -> list[Hold]:
    """The holds in force at `now` that end within `seconds`: soonest first (the oversight flag)."""
    return sorted((h for h in holds if h.active(now) and h.until - now <= seconds), key=lambda h: h.until)
