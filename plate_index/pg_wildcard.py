"""Wildcard queries (`*1234`, `AA?1`) on the shared index, newest first without reading every match.

A wildcard becomes a LIKE pattern. pg_trgm's GIN index finds the keys that match, but in no order: for a
common pattern (`*123*` matches about 1 % of all keys) PostgreSQL would fetch every match's row, scattered
over the whole table, only to keep the newest page; at 5,000,000 sightings that cost up to 0.8 s cold.
So a page is read in two steps. First the newest RECENT_KEYS keys below the cursor, in time order from
the (kind, first_seen) index that carries the key (an index-only scan, no table pages): a common
pattern fills its page there. Only when they hold fewer matches than the page needs, and so the pattern
is rare, does the GIN index answer for the older keys, where it fetches few rows.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import TupleRow

RECENT_KEYS = 20_000

MIGRATION = """
CREATE INDEX sighting_keys_by_time
    ON sighting_keys (kind, first_seen DESC, sighting_id DESC) INCLUDE (key, camera);
"""

_ORDER = "ORDER BY first_seen DESC, sighting_id DESC"


def newest_matches(
    conn: psycopg.Connection[TupleRow],
    kind: int,
    like: str,
    span: tuple[list[str], list[Any]],
    camera: str | None,
    cursor: tuple[float, int],
    page: int,
) -> list[tuple[int, float]]:
    """Up to `page` (sighting id, first_seen) of keys of `kind` matching `like`, below `cursor`, newest
    first; `span` is the time window's SQL conditions and arguments, `camera` an optional filter."""
    below = " AND ".join(["kind = %s", "(first_seen, sighting_id) < (%s, %s)", *span[0]])
    below_args = [kind, *cursor, *span[1]]
    match = "key LIKE %s" + (" AND camera = %s" if camera else "")
    match_args = [like, *([camera] if camera else [])]
    recent = conn.execute(
        "SELECT sighting_id, first_seen FROM (SELECT sighting_id, first_seen, key, camera "  # noqa: S608
        f"FROM sighting_keys WHERE {below} {_ORDER} LIMIT %s) recent WHERE {match} {_ORDER} LIMIT %s",
        (*below_args, RECENT_KEYS, *match_args, page),
    ).fetchall()
    if len(recent) == page:
        return recent
    boundary = conn.execute(
        f"SELECT first_seen, sighting_id FROM sighting_keys WHERE {below} {_ORDER} OFFSET %s LIMIT 1",  # noqa: S608
        (*below_args, RECENT_KEYS - 1),
    ).fetchone()
    if boundary is None:  # the recent keys were all the keys below the cursor
        return recent
    older = " AND ".join(["kind = %s", "(first_seen, sighting_id) < (%s, %s)", *span[0], match])
    return recent + conn.execute(
        f"SELECT sighting_id, first_seen FROM sighting_keys WHERE {older} {_ORDER} LIMIT %s",  # noqa: S608
        (kind, *boundary, *span[1], *match_args, page - len(recent)),
    ).fetchall()
