"""Positional wildcards in plate search: `?` stands for one character, `*` for any run of them.

A wildcard query matches from the start of the plate, like a plain one, so `AA?1` finds AA01.., AAX1..
and `*1234` finds every plate with 1234 anywhere. The prefix keys of `sighting_keys` cannot answer a
query that starts with a wildcard, so every search key is also kept in an SQLite FTS5 table with the
trigram tokenizer (`plate_grams_exact` for the voted plate, `plate_grams_tolerant` for the folded plate
and alternatives, as in plate_index.store): FTS5 answers `key GLOB '*1234*'` from the trigrams of its
literal runs, and its rowid (the sighting id, times 8 plus the key's slot for tolerant keys) gives
newest-first order without a sort, since sightings are stored in the order they happened.

A query without three literal characters in a row (`AA?1`, `BH?12`) reads prefix ranges of
`sighting_keys` instead: each `?` among its first characters is spelt out as each of the 36 plate
characters (at most two of them, 1,296 ranges), so that every range starts with three known characters
and is a short read of the (kind, key) index; the rest of the pattern is checked by GLOB in the index.
A query with neither (`*A?B`, `A???`) would read a large part of the store, and is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from plate_index.normalise import PLATE_CHARS, BadQuery

WILDCARDS = "*?"
TOLERANT_SLOTS = 8  # tolerant rowid = sighting id * 8 + slot: at most 8 tolerant keys per sighting
MAX_SPELT = 2  # `?`s spelt out into prefix ranges: 36 ** 2 ranges at most
RARE_KEYS = 3000  # a prefix range with fewer keys is read whole and sorted, else newest first
MIN_PREFIX = 3  # typed characters in the prefix ranges (as plain search needs 3)

MIGRATION = """
CREATE VIRTUAL TABLE plate_grams_exact USING fts5(key, tokenize='trigram', detail='none');
CREATE VIRTUAL TABLE plate_grams_tolerant USING fts5(key, tokenize='trigram', detail='none');
INSERT INTO plate_grams_exact (rowid, key) SELECT sighting_id, key FROM sighting_keys WHERE kind = 0;
INSERT INTO plate_grams_tolerant (rowid, key)
    SELECT sighting_id * 8 + n, key FROM (
        SELECT sighting_id, key, ROW_NUMBER() OVER (PARTITION BY sighting_id ORDER BY key) - 1 AS n
        FROM sighting_keys WHERE kind = 1
    ) WHERE n < 8;
"""


def is_pattern(text: str) -> bool:
    """The (parsed) query uses a wildcard."""
    return any(ch in text for ch in WILDCARDS)


def glob_of(pattern: str) -> str:
    """The GLOB that a parsed wildcard query stands for: anchored at the start, open at the end."""
    glob = pattern if pattern.endswith("*") else pattern + "*"
    return glob.replace("**", "*")


def prefixes(pattern: str) -> list[str]:
    """The known starts of the plates `pattern` can match, its first `?`s spelt out (at most MAX_SPELT):
    `AA?1` gives AAA1, AAB1, ..., AA91. Empty when they hold fewer than MIN_PREFIX typed characters
    (the ranges of `A???` would cover every plate starting with A)."""
    out, spelt, typed = [""], 0, 0
    for ch in pattern:
        if ch == "*" or (ch == "?" and spelt == MAX_SPELT):
            break
        if ch == "?":
            spelt += 1
            out = [start + letter for start in out for letter in sorted(PLATE_CHARS)]
        else:
            typed += 1
            out = [start + ch for start in out]
    return out if typed >= MIN_PREFIX else []


def has_trigram(pattern: str) -> bool:
    """Three literal characters in a row: what the trigram index needs to avoid reading every key."""
    run = 0
    for ch in pattern:
        run = 0 if ch in WILDCARDS else run + 1
        if run >= 3:
            return True
    return False


def check_pattern(pattern: str) -> None:
    """BadQuery when a wildcard query could only be answered by reading the whole store."""
    if is_pattern(pattern) and not has_trigram(pattern) and not prefixes(pattern):
        raise BadQuery(
            "a query with * or ? needs 3 characters in a row (for example *123*), or its first 3 "
            "characters with at most two ? among them (for example AA?1)",
            BadQuery.TOO_VAGUE,
        )


def gram_rows(sighting_id: int, keys: Sequence[tuple[int, str]]) -> tuple[list[tuple], list[tuple]]:
    """(exact rows, tolerant rows) of the trigram tables for a sighting's (kind, key) search keys."""
    exact = [(sighting_id, key) for kind, key in keys if kind == 0]
    tolerant_keys = sorted(key for kind, key in keys if kind == 1)[:TOLERANT_SLOTS]
    tolerant = [(sighting_id * TOLERANT_SLOTS + n, key) for n, key in enumerate(tolerant_keys)]
    return exact, tolerant


def insert_grams(conn: sqlite3.Connection, exact: Iterable[tuple], tolerant: Iterable[tuple]) -> None:
    conn.executemany("INSERT INTO plate_grams_exact (rowid, key) VALUES (?, ?)", exact)
    conn.executemany("INSERT INTO plate_grams_tolerant (rowid, key) VALUES (?, ?)", tolerant)


def delete_grams(conn: sqlite3.Connection, sighting_ids: Sequence[int]) -> None:
    conn.executemany("DELETE FROM plate_grams_exact WHERE rowid = ?", [(i,) for i in sighting_ids])
    conn.executemany(
        "DELETE FROM plate_grams_tolerant WHERE rowid >= ? AND rowid < ?",
        [(i * TOLERANT_SLOTS, (i + 1) * TOLERANT_SLOTS) for i in sighting_ids],
    )


def matching_ids(
    conn: sqlite3.Connection,
    kind: int,
    pattern: str,
    window: tuple[float | None, float | None],
    camera: str | None,
    limit: int,
) -> list[int]:
    """Up to `limit` sighting ids whose key of `kind` matches the wildcard `pattern`, newest first."""
    glob = glob_of(pattern)
    if has_trigram(pattern):
        return _by_trigrams(conn, kind, glob, window, camera, limit)
    return _by_prefixes(conn, kind, glob, prefixes(pattern), window, camera, limit)


def _by_trigrams(
    conn: sqlite3.Connection,
    kind: int,
    glob: str,
    window: tuple[float | None, float | None],
    camera: str | None,
    limit: int,
) -> list[int]:
    table, divisor = ("plate_grams_exact", 1) if kind == 0 else ("plate_grams_tolerant", TOLERANT_SLOTS)
    where, args = _filters("s.first_seen", window)
    if camera is not None:
        where.append("s.camera = ?")
        args.append(camera)
    sql = (
        f"SELECT g.rowid / {divisor} FROM {table} g JOIN sightings s ON s.id = g.rowid / {divisor} "  # noqa: S608
        f"WHERE g.key GLOB ? {''.join(' AND ' + w for w in where)} ORDER BY g.rowid DESC LIMIT ?"
    )
    ids: list[int] = []
    for (sighting_id,) in conn.execute(sql, (glob, *args, limit * 2)):
        if sighting_id not in ids:  # two tolerant keys of one sighting can both match
            ids.append(sighting_id)
    return ids[:limit]


def _by_prefixes(
    conn: sqlite3.Connection,
    kind: int,
    glob: str,
    starts: list[str],
    window: tuple[float | None, float | None],
    camera: str | None,
    limit: int,
) -> list[int]:
    """The newest `limit` of each prefix range, merged. A range with few keys is read whole through the
    (kind, key) index and sorted; a common one newest first through (kind, key3, first_seen), where the
    LIMIT stops the read early (as plain prefix search chooses, plate_index.search)."""
    where, args = _filters("first_seen", window)
    if camera is not None:
        where.append("camera_id = (SELECT id FROM cameras WHERE name = ?)")
        args.append(camera)
    # `+key`: a GLOB on the indexed column would otherwise become a range of its own (the GLOB's
    # literal start, "BH" for BH?12*), which SQLite prefers to the prefix range and reads whole.
    tail = (
        f"AND +key GLOB ? {''.join(' AND ' + w for w in where)} "
        "ORDER BY first_seen DESC, sighting_id DESC LIMIT ?"
    )
    by_key = (
        "SELECT first_seen, sighting_id FROM sighting_keys INDEXED BY sighting_keys_by_key "  # noqa: S608
        f"WHERE kind = ? AND key >= ? AND key < ? {tail}"
    )
    by_time = (
        "SELECT first_seen, sighting_id FROM sighting_keys INDEXED BY sqlite_autoindex_sighting_keys_1 "  # noqa: S608
        f"WHERE kind = ? AND key3 = ? AND key >= ? AND key < ? {tail}"
    )
    found: list[tuple[float, int]] = []
    for start in starts:
        if _keys_below(conn, kind, start, RARE_KEYS):
            rows = conn.execute(by_key, (kind, start, start + "~", glob, *args, limit))
        else:
            rows = conn.execute(by_time, (kind, start[:3], start, start + "~", glob, *args, limit))
        found += [(row[0], row[1]) for row in rows]
    found.sort(reverse=True)
    ids: list[int] = []
    for _time, sighting_id in found:
        if sighting_id not in ids:
            ids.append(sighting_id)
            if len(ids) == limit:
                break
    return ids


def _keys_below(conn: sqlite3.Connection, kind: int, start: str, cap: int) -> bool:
    """Fewer than `cap` keys of `kind` start with `start` (counted in the index, at most `cap` read)."""
    count = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM sighting_keys INDEXED BY sighting_keys_by_key "
        "WHERE kind = ? AND key >= ? AND key < ? LIMIT ?)",
        (kind, start, start + "~", cap),
    ).fetchone()[0]
    return bool(count < cap)


def _filters(column: str, window: tuple[float | None, float | None]) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if window[0] is not None:
        where.append(f"{column} >= ?")
        args.append(window[0])
    if window[1] is not None:
        where.append(f"{column} < ?")
        args.append(window[1])
    return where, args
