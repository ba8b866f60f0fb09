"""The watchlist: plates (exact, or a pattern with * and ?) that raise an alert when a camera sees them.

One list for the whole appliance, in plates.db beside the sightings: `dozor watchlist add|list|remove`
and the web UI's watchlist page read and write the same rows, and the LPR worker matches every sighting
it stores against them (plate_index.watch_alerts), so an alert is raised whether or not the web UI runs.
Each entry keeps who added it (a web user, or `cli:<person>`) and until when (None: until removed).
Entries are never deleted: a removed one keeps who removed it and when, so an alert always names the
entry that raised it.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.clock import from_epoch, to_epoch, utc_iso
from edge.layout import DataLayout
from plate_index.normalise import BadQuery, fold, parse_query

WILDCARDS = "*?"
_COLUMNS = "id, pattern, note, added_by, added, expires"
_ACTIVE = "removed IS NULL AND (expires IS NULL OR expires > ?)"


@dataclass(frozen=True)
class WatchEntry:
    id: int
    pattern: str
    note: str
    added_by: str
    added: datetime
    expires: datetime | None  # None: until removed

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
        return {
            "id": self.id, "pattern": self.pattern, "note": self.note, "added_by": self.added_by,
            "added": utc_iso(self.added), "expires": utc_iso(self.expires) if self.expires else None,
        }


@functools.lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    """fnmatch's translation: it collapses runs of `*` and makes each one atomic, so no pattern can
    make matching backtrack for seconds (a hand-made `.*` per star once stalled a worker for minutes)."""
    return re.compile(fnmatch.translate(pattern))


def _entry(row: sqlite3.Row | tuple) -> WatchEntry:
    return WatchEntry(
        row[0], row[1], row[2], row[3], from_epoch(row[4]), from_epoch(row[5]) if row[5] is not None else None
    )


def open_watchlist(layout: DataLayout) -> sqlite3.Connection:
    """A read-write connection to the watchlist (plates.db, migrated), with anything the web UI's
    earlier watchlist left in web.db carried over first (plate_index.watchlist_carry)."""
    from plate_index.store import open_store
    from plate_index.watchlist_carry import carry_web_watchlist

    conn = open_store(layout.plates_db)
    carry_web_watchlist(conn, layout)
    return conn


def add_entry(
    conn: sqlite3.Connection, pattern: str, note: str, who: str, now: datetime,
    expires: datetime | None = None,
) -> WatchEntry:
    """Add a plate or pattern; BadQuery (user-facing) if it is unusable or already listed."""
    normal = parse_query(pattern, wildcards=WILDCARDS)
    with conn:
        conn.execute("BEGIN IMMEDIATE")  # the check and the insert as one, against a second writer
        listed = conn.execute(
            f"SELECT 1 FROM watchlist WHERE pattern = ? AND {_ACTIVE}", (normal, to_epoch(now))  # noqa: S608
        ).fetchone()
        if listed:
            raise BadQuery(f"{normal} is already on the watchlist", BadQuery.DUPLICATE)
        cursor = conn.execute(
            "INSERT INTO watchlist (pattern, note, added_by, added, expires) VALUES (?, ?, ?, ?, ?)",
            (normal, note, who, to_epoch(now), to_epoch(expires) if expires else None),
        )
    return WatchEntry(int(cursor.lastrowid or 0), normal, note, who, now, expires)


def active_entries(conn: sqlite3.Connection, now: datetime) -> list[WatchEntry]:
    """Entries not removed and not expired, by pattern."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM watchlist WHERE {_ACTIVE} ORDER BY pattern, id",  # noqa: S608
        (to_epoch(now),),
    ).fetchall()
    return [_entry(row) for row in rows]


def find_entry(conn: sqlite3.Connection, key: str, now: datetime) -> WatchEntry | None:
    """The active entry with id `key`, or with `key` as its plate or pattern (as typed)."""
    entries = active_entries(conn, now)
    if key.isdigit():
        by_id = [e for e in entries if e.id == int(key)]
        if by_id:
            return by_id[0]
    try:
        normal = parse_query(key, wildcards=WILDCARDS)
    except BadQuery:
        return None
    return next((e for e in entries if e.pattern == normal), None)


def remove_entry(conn: sqlite3.Connection, entry_id: int, who: str, now: datetime) -> bool:
    """Take an entry off the watchlist (kept, with who removed it and when); False if it was not on it."""
    with conn:
        cursor = conn.execute(
            "UPDATE watchlist SET removed = ?, removed_by = ? WHERE id = ? AND removed IS NULL",
            (to_epoch(now), who, entry_id),
        )
    return cursor.rowcount > 0
