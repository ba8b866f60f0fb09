"""Watchlist alerts: raised by the LPR worker when a stored sighting matches an entry of the watchlist
(plate_index.watchlist), listed by `dozor alerts` and the web UI, acknowledged in either (who, when).

A sighting is stored at its first credible read and rewritten when it is finished (plate_index.publish);
it is checked each time, so an alert is raised within a moment of the first read and the finished text
can still raise one for another entry. An entry raises one alert per sighting at most.

Each alert is logged as a WARNING (the daemon's journal) naming the sighting, the watchlist entry and the
camera, never the plate, the pattern or the note (which may hold a plate): the journal is kept and copied
with less care than the audited store. The plate is logged at DEBUG.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.clock import from_epoch, to_epoch, utc_iso
from plate_index.watchlist import active_entries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchAlert:
    id: int
    entry_id: int | None
    pattern: str
    note: str
    sighting_id: int
    camera: str
    plate: str
    match: str  # exact / tolerant
    first_seen: datetime
    raised: datetime
    acknowledged: datetime | None
    acknowledged_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "raised": utc_iso(self.raised), "sighting_id": self.sighting_id,
            "entry_id": self.entry_id, "pattern": self.pattern, "note": self.note, "match": self.match,
            "camera": self.camera, "plate": self.plate, "first_seen": utc_iso(self.first_seen),
            "acknowledged": utc_iso(self.acknowledged) if self.acknowledged else None,
            "acknowledged_by": self.acknowledged_by,
        }


def raise_alerts(
    conn: sqlite3.Connection, sighting_id: int, camera: str, plate: str, alternatives: list[str],
    first_seen: float, now: float,
) -> int:
    """Store an alert for every active entry the sighting matches and has not raised one for yet, and
    log it; returns how many were raised."""
    raised = 0
    for entry in active_entries(conn, from_epoch(now)):
        match = entry.matches(plate, alternatives)
        if match is None:
            continue
        with conn:
            cursor = conn.execute(
                "INSERT INTO alerts (raised, sighting_id, watchlist_id, pattern, note, match, camera, plate, "
                "first_seen) SELECT ?,?,?,?,?,?,?,?,? WHERE NOT EXISTS "
                "(SELECT 1 FROM alerts WHERE sighting_id = ? AND watchlist_id = ?)",
                (now, sighting_id, entry.id, entry.pattern, entry.note, match, camera, plate, first_seen,
                 sighting_id, entry.id),
            )
        if not cursor.rowcount:
            continue
        log.warning(
            "watchlist alert: sighting %d on camera %s matches watchlist entry %d (%s); see `dozor alerts`",
            sighting_id, camera, entry.id, match,
        )
        note = f" - {entry.note}" if entry.note else ""
        log.debug("watchlist alert: %s matches %s%s", plate, entry.pattern, note)
        raised += 1
    return raised


def list_alerts(
    conn: sqlite3.Connection,
    *,
    since: datetime | None = None,
    seen_since: datetime | None = None,
    unacknowledged: bool = False,
    limit: int = 100,
) -> list[WatchAlert]:
    """Alerts raised at or after `since`, newest first (only those nobody acknowledged, if asked; with
    `seen_since`, only those of sightings first seen then or later: the retention horizon)."""
    rows = conn.execute(
        "SELECT id, watchlist_id, pattern, note, sighting_id, camera, plate, match, first_seen, raised, "
        "acknowledged, acknowledged_by FROM alerts WHERE raised >= ? AND first_seen >= ?"
        + (" AND acknowledged IS NULL" if unacknowledged else "")
        + " ORDER BY raised DESC, id DESC LIMIT ?",
        (to_epoch(since) if since else 0.0, to_epoch(seen_since) if seen_since else 0.0, limit),
    ).fetchall()
    return [
        WatchAlert(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], from_epoch(r[8]), from_epoch(r[9]),
            from_epoch(r[10]) if r[10] is not None else None, r[11],
        )
        for r in rows
    ]


def is_open(conn: sqlite3.Connection, alert_id: int) -> bool:
    """Whether alert `alert_id` exists and nobody acknowledged it yet."""
    row = conn.execute("SELECT 1 FROM alerts WHERE id = ? AND acknowledged IS NULL", (alert_id,)).fetchone()
    return row is not None


def acknowledge(conn: sqlite3.Connection, alert_id: int, who: str, now: datetime) -> bool:
    """Mark an alert seen and dealt with; False if it was already acknowledged or does not exist."""
    with conn:
        cursor = conn.execute(
            "UPDATE alerts SET acknowledged = ?, acknowledged_by = ? WHERE id = ? AND acknowledged IS NULL",
            (to_epoch(now), who, alert_id),
        )
    return cursor.rowcount > 0
