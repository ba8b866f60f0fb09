"""The watchlist police keep in the web UI, in web.db: plates or patterns (normalised by the caller),
each with a note, who added it and until when; and the alerts raised when a sighting matches one, with
who acknowledged each and when.

Entries are never deleted: a removed one keeps who removed it and when, so an alert always names the
entry that raised it. Matching happens in the web UI (webui.watch_alerts), which reads plates.db; this
module only stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from edge.clock import from_epoch, to_epoch

CURSOR_KEY = "watch_alerts_after"  # settings: the last sighting id checked against the watchlist


@dataclass(frozen=True)
class WatchItem:
    id: int
    pattern: str
    note: str
    added_by: str
    added: datetime
    expires: datetime


@dataclass(frozen=True)
class WatchAlert:
    id: int
    entry_id: int
    pattern: str
    note: str
    sighting_id: int
    camera: str
    plate: str
    match: str
    first_seen: datetime
    raised: datetime
    acknowledged: datetime | None
    acknowledged_by: str | None


def add_item(
    conn: sqlite3.Connection, pattern: str, note: str, who: str, now: datetime, expires: datetime
) -> int:
    with conn:
        cursor = conn.execute(
            "INSERT INTO watch_entries (pattern, note, added_by, added, expires) VALUES (?, ?, ?, ?, ?)",
            (pattern, note, who, to_epoch(now), to_epoch(expires)),
        )
    return int(cursor.lastrowid or 0)


def active_items(conn: sqlite3.Connection, now: datetime) -> list[WatchItem]:
    """Entries not removed and not expired, by pattern."""
    rows = conn.execute(
        "SELECT id, pattern, note, added_by, added, expires FROM watch_entries "
        "WHERE removed IS NULL AND expires > ? ORDER BY pattern, id",
        (to_epoch(now),),
    ).fetchall()
    return [WatchItem(r[0], r[1], r[2], r[3], from_epoch(r[4]), from_epoch(r[5])) for r in rows]


def get_item(conn: sqlite3.Connection, item_id: int) -> WatchItem | None:
    row = conn.execute(
        "SELECT id, pattern, note, added_by, added, expires FROM watch_entries "
        "WHERE id = ? AND removed IS NULL",
        (item_id,),
    ).fetchone()
    return WatchItem(row[0], row[1], row[2], row[3], from_epoch(row[4]), from_epoch(row[5])) if row else None


def remove_item(conn: sqlite3.Connection, item_id: int, who: str, now: datetime) -> bool:
    with conn:
        cursor = conn.execute(
            "UPDATE watch_entries SET removed = ?, removed_by = ? WHERE id = ? AND removed IS NULL",
            (to_epoch(now), who, item_id),
        )
    return cursor.rowcount > 0


def store_alert(
    conn: sqlite3.Connection, item_id: int, sighting: tuple[int, str, str, float], match: str, now: datetime
) -> bool:
    """An alert for (sighting id, camera, plate, first seen) matching entry `item_id`; False if that
    sighting already raised one for this entry."""
    sighting_id, camera, plate, first_seen = sighting
    with conn:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO watch_alerts "
            "(entry_id, sighting_id, camera, plate, match, first_seen, raised) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (item_id, sighting_id, camera, plate, match, first_seen, to_epoch(now)),
        )
    return cursor.rowcount > 0


def list_alerts(
    conn: sqlite3.Connection,
    *,
    after_id: int = 0,
    unacknowledged: bool = False,
    limit: int = 200,
    seen_since: datetime | None = None,
) -> list[WatchAlert]:
    """Alerts newest first (with `after_id`: only newer ones; with `seen_since`: only of sightings first
    seen then or later, i.e. within the retention)."""
    sql = (
        "SELECT a.id, a.entry_id, e.pattern, e.note, a.sighting_id, a.camera, a.plate, a.match, "
        "a.first_seen, a.raised, a.acknowledged, a.acknowledged_by "
        "FROM watch_alerts a JOIN watch_entries e ON e.id = a.entry_id WHERE a.id > ? AND a.first_seen >= ?"
        + (" AND a.acknowledged IS NULL" if unacknowledged else "")
        + " ORDER BY a.id DESC LIMIT ?"
    )
    since = to_epoch(seen_since) if seen_since is not None else float("-inf")
    rows = conn.execute(sql, (after_id, since, limit)).fetchall()
    return [
        WatchAlert(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            from_epoch(r[8]),
            from_epoch(r[9]),
            from_epoch(r[10]) if r[10] is not None else None,
            r[11],
        )
        for r in rows
    ]


def prune_alerts(
    conn: sqlite3.Connection, cutoff: float, keep: Iterable[tuple[str, float, float]] = ()
) -> int:
    """Delete the alerts of sightings first seen before `cutoff` (epoch s): an alert carries a sighting's
    plate, camera and time, so it goes when the sighting does, unless a case hold keeps that camera and
    time (`keep`: (camera, start, end) of each hold in force). Returns how many went."""
    sql, args = "DELETE FROM watch_alerts WHERE first_seen < ?", list[object]([cutoff])
    for camera, start, end in keep:
        sql += " AND NOT (camera = ? AND first_seen >= ? AND first_seen <= ?)"
        args += [camera, start, end]
    with conn:
        return conn.execute(sql, args).rowcount


def acknowledge(conn: sqlite3.Connection, alert_id: int, who: str, now: datetime) -> bool:
    """Mark an alert seen and dealt with; False if it was already acknowledged or does not exist."""
    with conn:
        cursor = conn.execute(
            "UPDATE watch_alerts SET acknowledged = ?, acknowledged_by = ? "
            "WHERE id = ? AND acknowledged IS NULL",
            (to_epoch(now), who, alert_id),
        )
    return cursor.rowcount > 0


def checked_up_to(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (CURSOR_KEY,)).fetchone()
    return int(row[0]) if row else None


def set_checked_up_to(conn: sqlite3.Connection, sighting_id: int) -> None:
    with conn:
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (CURSOR_KEY, str(sighting_id)),
        )
