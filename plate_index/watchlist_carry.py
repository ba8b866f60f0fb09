"""Carrying the web UI's first watchlist over from web.db into the one watchlist in plates.db.

For a while the web UI kept a watchlist of its own in web.db (tables `watch_entries` and `watch_alerts`,
web.db migration 5) beside the CLI's in plates.db. Every entry and alert found there is copied into
plates.db with who added, removed and acknowledged it, and then deleted from web.db, so nothing is lost
and no plate text stays behind in web.db past the plates' retention. Each copied entry records where it
came from (`carried_from`), in the same transaction as its alerts, so a copy cut short by a crash, or
two processes starting at once, never copies an entry twice. The tables themselves stay in web.db, empty.

Only SQL on the two files: this module reads web.db's frozen schema of migration 5 and needs nothing
from `accounts`.
"""

from __future__ import annotations

import logging
import sqlite3

from edge.db import connect
from edge.layout import DataLayout

log = logging.getLogger(__name__)
_ENTRY = "id, pattern, note, added_by, added, expires, removed, removed_by"
_ALERT = "sighting_id, camera, plate, match, first_seen, raised, acknowledged, acknowledged_by"


def carry_web_watchlist(plates: sqlite3.Connection, layout: DataLayout) -> int:
    """Copy web.db's watchlist entries and alerts into `plates` (a migrated plates.db) and delete them
    from web.db; returns how many entries were copied (0 when there is nothing to carry)."""
    if not layout.web_db.exists():
        return 0
    try:
        web = connect(layout.web_db)
        if not _has_rows(web):
            web.close()
            return 0
    except (sqlite3.Error, OSError) as exc:  # the next open tries again; nothing is lost meanwhile
        log.warning("cannot read %s to carry its watchlist over: %s", layout.web_db, exc)
        return 0
    try:
        entries = web.execute(f"SELECT {_ENTRY} FROM watch_entries ORDER BY id").fetchall()  # noqa: S608
        copied = 0
        with plates:
            plates.execute("BEGIN IMMEDIATE")
            for entry in entries:
                copied += _copy_entry(plates, web, tuple(entry))
        with web:
            web.execute("DELETE FROM watch_alerts WHERE entry_id <= ?", (entries[-1][0],))
            web.execute("DELETE FROM watch_entries WHERE id <= ?", (entries[-1][0],))
    finally:
        web.close()
    if copied:
        log.info("carried %d watchlist entries over from web.db into the plate store", copied)
    return copied


def _has_rows(web: sqlite3.Connection) -> bool:
    table = web.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'watch_entries'"
    ).fetchone()
    return bool(table) and web.execute("SELECT 1 FROM watch_entries LIMIT 1").fetchone() is not None


def _copy_entry(plates: sqlite3.Connection, web: sqlite3.Connection, entry: tuple) -> int:
    origin = f"web.db:{entry[0]}"
    if plates.execute("SELECT 1 FROM watchlist WHERE carried_from = ?", (origin,)).fetchone():
        return 0
    new_id = plates.execute(
        "INSERT INTO watchlist (pattern, note, added_by, added, expires, removed, removed_by, carried_from) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (*entry[1:], origin),
    ).lastrowid
    alerts = web.execute(
        f"SELECT {_ALERT} FROM watch_alerts WHERE entry_id = ? ORDER BY id", (entry[0],)  # noqa: S608
    ).fetchall()
    plates.executemany(
        "INSERT INTO alerts (watchlist_id, pattern, note, sighting_id, camera, plate, match, first_seen, "
        "raised, acknowledged, acknowledged_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(new_id, entry[1], entry[2], *tuple(alert)) for alert in alerts],
    )
    return 1
