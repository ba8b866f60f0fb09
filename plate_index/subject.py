"""One plate's stored sightings, for answering the person it belongs to ("is my plate stored?").

Only sightings whose plate is exactly the asked one count: a prefix search would show the person other
people's plates. The caller audits the lookup before showing anything (dozor.cli.privacy_cmds, the
admin page webui.blueprints.subject).
"""

from __future__ import annotations

import sqlite3

from plate_index.normalise import parse_query
from plate_index.search import SightingHit, search

LIMIT = 100_000


def stored_sightings(conn: sqlite3.Connection | None, plate: str) -> tuple[str, list[SightingHit]]:
    """(the plate normalised, its sightings oldest first); BadQuery for text that is no plate. `conn`
    None: no plate store yet, nothing stored."""
    wanted = parse_query(plate)
    hits = [] if conn is None else search(conn, wanted, exact=True, limit=LIMIT)
    return wanted, sorted((h for h in hits if h.plate == wanted), key=lambda h: h.first_seen)
