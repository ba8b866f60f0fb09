"""The watchlist: plates (exact, or a pattern with * and ?) that raise an alert when a camera sees them.

Entries live in plates.db beside the sightings, managed with `dozor watchlist add|list|remove`. The LPR
worker checks every finished sighting: an exact match of the voted plate, or a tolerant one (folded
confusables, or an alternative reading), stores an alert row for the UI and logs a WARNING naming the
sighting, the watchlist entry and the camera, never the plate, the pattern or the note (which may hold a
plate): the journal is kept and copied with less care than the audited store. The plate is logged at DEBUG.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.clock import from_epoch, to_epoch, utc_iso
from plate_index.normalise import BadQuery, fold, parse_query

log = logging.getLogger(__name__)

WILDCARDS = "*?"


@dataclass(frozen=True)
class WatchEntry:
    id: int
    pattern: str
    note: str
    added: datetime

    def matches(self, plate: str, alternatives: list[str]) -> str | None:
        """"exact" when the plate matches the pattern, "tolerant" when it does only after folding
        confusables or through an alternative reading, None otherwise."""
        if _regex(self.pattern).fullmatch(plate):
            return "exact"
        folded = _regex(fold(self.pattern))
        if any(folded.fullmatch(fold(text)) for text in (plate, *alternatives)):
            return "tolerant"
        return None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "pattern": self.pattern, "note": self.note, "added": utc_iso(self.added)}


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    """fnmatch's translation: it collapses runs of `*` and makes each one atomic, so no pattern can
    make matching backtrack for seconds (a hand-made `.*` per star once stalled a worker for minutes)."""
    return re.compile(fnmatch.translate(pattern))


def add_entry(conn: sqlite3.Connection, pattern: str, note: str, now: datetime) -> WatchEntry:
    """Add a plate or pattern; BadQuery (user-facing) if it is unusable or already listed."""
    normal = parse_query(pattern, wildcards=WILDCARDS)
    try:
        with conn:
            cursor = conn.execute(
                "INSERT INTO watchlist (pattern, note, added) VALUES (?, ?, ?)", (normal, note, to_epoch(now))
            )
    except sqlite3.IntegrityError:
        raise BadQuery(f"{normal} is already on the watchlist", BadQuery.DUPLICATE) from None
    return WatchEntry(int(cursor.lastrowid or 0), normal, note, now)


def list_entries(conn: sqlite3.Connection) -> list[WatchEntry]:
    rows = conn.execute("SELECT id, pattern, note, added FROM watchlist ORDER BY pattern").fetchall()
    return [WatchEntry(row[0], row[1], row[2], from_epoch(row[3])) for row in rows]


def remove_entry(conn: sqlite3.Connection, key: str) -> bool:
    """Remove by id or by pattern (as typed); True if something was removed."""
    with conn:
        if key.isdigit():
            cursor = conn.execute("DELETE FROM watchlist WHERE id = ?", (int(key),))
            if cursor.rowcount:
                return True
        try:
            normal = parse_query(key, wildcards=WILDCARDS)
        except BadQuery:
            return False
        return conn.execute("DELETE FROM watchlist WHERE pattern = ?", (normal,)).rowcount > 0


def raise_alerts(
    conn: sqlite3.Connection, sighting_id: int, camera: str, plate: str, alternatives: list[str],
    first_seen: float, now: float,
) -> int:
    """Store an alert for every watchlist entry the sighting matches and log it; returns how many."""
    raised = 0
    for entry in list_entries(conn):
        match = entry.matches(plate, alternatives)
        if match is None:
            continue
        with conn:
            conn.execute(
                "INSERT INTO alerts (raised, sighting_id, watchlist_id, pattern, note, match, camera, plate, "
                "first_seen) VALUES (?,?,?,?,?,?,?,?,?)",
                (now, sighting_id, entry.id, entry.pattern, entry.note, match, camera, plate,
                 first_seen),
            )
        log.warning(
            "watchlist alert: sighting %d on camera %s matches watchlist entry %d (%s); see `dozor alerts`",
            sighting_id, camera, entry.id, match,
        )
        note = f" - {entry.note}" if entry.note else ""
        log.debug("watchlist alert: %s matches %s%s", plate, entry.pattern, note)
        raised += 1
    return raised


def list_alerts(conn: sqlite3.Connection, *, since: datetime | None = None, limit: int = 100) -> list[dict]:
    """Alerts, newest first, as JSON-ready objects (for `dozor alerts` and the UI)."""
    rows = conn.execute(
        "SELECT id, raised, sighting_id, pattern, note, match, camera, plate, first_seen, acknowledged "
        "FROM alerts WHERE raised >= ? ORDER BY raised DESC, id DESC LIMIT ?",
        (to_epoch(since) if since else 0.0, limit),
    ).fetchall()
    return [
        {
            "id": r[0], "raised": utc_iso(from_epoch(r[1])), "sighting_id": r[2], "pattern": r[3],
            "note": r[4], "match": r[5], "camera": r[6], "plate": r[7],
            "first_seen": utc_iso(from_epoch(r[8])),
            "acknowledged": utc_iso(from_epoch(r[9])) if r[9] is not None else None,
        }
        for r in rows
    ]
