"""Prefix search over sightings: what `dozor search` and the web UI's police search call.

A query is normalised (Latin/Cyrillic, separators; see plate_index.normalise). Exact matches (the voted
plate starts with the query) come first, newest first; then tolerant ones (the confusable-folded plate or
an alternative reading starts with the folded query), newest first, each hit marked `exact`/`tolerant`.
Reads go through `sighting_keys` (see plate_index.store): a three-character query is one ordered range
of the clustered key table; a longer one uses the (kind, key) index unless its prefix is very common.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from edge.clock import from_epoch, to_epoch, utc_iso
from plate_index.normalise import fold, parse_query
from plate_index.store import EXACT, TOLERANT, camera_id
from plate_index.wildcard import WILDCARDS, check_pattern, is_pattern, matching_ids

DEFAULT_LIMIT = 100
MAX_LIMIT = 5000
# A longer prefix with fewer key rows than this is read through the (kind, key) index and sorted;
# a more common one is read newest-first through (kind, key3, first_seen), where the LIMIT stops early.
_SORT_CAP = 3000
# A wildcard search for one direction asks for ever more matches until enough went that way, up to this.
_PATTERN_CAP = 100_000
_DIRECTION_CHUNK = 256


class SearchFilters(TypedDict, total=False):
    """The filters of `search` (its docstring says what each does), for the other backends' signatures."""

    camera: str | None
    since: datetime | None
    until: datetime | None
    exact: bool
    limit: int
    direction: str | None


@dataclass(frozen=True)
class SightingHit:
    """One sighting as search shows it. `match` is "exact" or "tolerant" (None from get_sighting)."""

    id: int
    plate: str
    camera: str
    first_seen: datetime
    last_seen: datetime
    confidence: float
    reads: int
    alternatives: list[str]
    region: str | None
    crop_path: str | None
    scene_path: str | None
    match: str | None
    direction: str = "unknown"  # plate_index.direction.Direction
    node: str | None = None  # the appliance that holds its video (the shared index's hits only)
    node_sighting: int | None = None  # its id in that appliance's plates.db (the shared index's hits only)

    def to_json(self) -> dict[str, Any]:
        """The CLI's and web UI's JSON object (times ISO-8601 UTC, paths relative to storage.path)."""
        return {
            "id": self.id,
            "plate": self.plate,
            "camera": self.camera,
            "first_seen": utc_iso(self.first_seen),
            "last_seen": utc_iso(self.last_seen),
            "confidence": round(self.confidence, 3),
            "alternatives": self.alternatives,
            "match": self.match,
            "crop_path": self.crop_path,
            "scene_path": self.scene_path,
            "region": self.region,
            "direction": self.direction,
        } | ({"node": self.node} if self.node is not None else {})


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    camera: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    exact: bool = False,
    limit: int = DEFAULT_LIMIT,
    direction: str | None = None,
) -> list[SightingHit]:
    """Sightings whose plate starts with `query`: exact matches newest first, then tolerant ones.
    `?` in the query stands for one character and `*` for any run (plate_index.wildcard). With
    `direction` (a plate_index.direction.Direction), only the sightings that went that way.

    Raises plate_index.normalise.BadQuery (user-facing message) for a query with fewer than three
    usable characters, too many, a letter that cannot be on a plate, or a wildcard query too vague to
    answer without reading the whole store. `until` is exclusive.
    """
    text = validate_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    window = (to_epoch(since) if since else None, to_epoch(until) if until else None)
    if is_pattern(text):
        return _pattern_search(conn, text, window, camera, exact, limit, direction)
    found = rank(
        lambda kind, key: going(
            _matching_ids(conn, kind, key, window, camera), direction, functools.partial(_went, conn)
        ),
        text, exact=exact, limit=limit,
    )
    rows = _rows(conn, list(found))
    return [_hit(rows[i], match) for i, match in found.items() if i in rows]


def rank(
    matches: Callable[[int, str], Iterable[int]], text: str, *, exact: bool, limit: int
) -> dict[int, str]:
    """Up to `limit` sighting ids, each with its match: those `matches(EXACT, text)` gives first, then
    (unless `exact`) those `matches(TOLERANT, fold(text))` gives, each listed once, in the order given
    (newest first). Every backend's search ranks through this, so they answer alike."""
    found: dict[int, str] = {}
    for sighting_id in matches(EXACT, text):
        if len(found) >= limit:
            break
        found.setdefault(sighting_id, "exact")
    if not exact and len(found) < limit:
        for sighting_id in matches(TOLERANT, fold(text)):
            if len(found) >= limit:
                break
            found.setdefault(sighting_id, "tolerant")
    return found


def newest_first(fetch: Callable[[tuple[float, int], int], Sequence[tuple[int, float]]]) -> Iterator[int]:
    """Sighting ids newest first, read lazily in growing pages: `fetch(cursor, n)` returns up to n
    (sighting id, first_seen) rows ordered by (first_seen, id) descending, below `cursor`. An id met
    twice (a sighting with several matching keys) is given once."""
    page = 64
    cursor: tuple[float, int] = (float("inf"), 2**62)
    seen: set[int] = set()
    while True:
        batch = fetch(cursor, page)
        for sighting_id, _first_seen in batch:
            if sighting_id not in seen:
                seen.add(sighting_id)
                yield sighting_id
        if len(batch) < page:
            return
        last_id, last_time = batch[-1]
        cursor = (last_time, last_id)
        page = min(page * 4, 4096)


def validate_query(query: str) -> str:
    """The parsed query, or BadQuery (the checks of `search`, for callers that answer without a store)."""
    text = parse_query(query, wildcards=WILDCARDS)
    check_pattern(text)
    return text


def _pattern_search(
    conn: sqlite3.Connection,
    pattern: str,
    window: tuple[float | None, float | None],
    camera: str | None,
    exact: bool,
    limit: int,
    direction: str | None,
) -> list[SightingHit]:
    found = rank(
        lambda kind, key: _pattern_ids(
            conn, functools.partial(matching_ids, conn, kind, key, window, camera), limit, direction
        ),
        pattern, exact=exact, limit=limit,
    )
    rows = _rows(conn, list(found))
    return [_hit(rows[i], match) for i, match in found.items() if i in rows]


def _pattern_ids(
    conn: sqlite3.Connection, matching: Callable[[int], list[int]], limit: int, direction: str | None
) -> list[int]:
    """The newest `limit` of the sightings `matching(n)` finds (n at most) that went `direction` (all,
    when None): for a direction, ever more are asked for until enough went that way."""
    asked = limit
    while True:
        ids = matching(asked)
        kept = list(going(ids, direction, functools.partial(_went, conn)))
        if len(kept) >= limit or len(ids) < asked or asked >= _PATTERN_CAP:
            return kept[:limit]
        asked *= 4


def going(
    ids: Iterable[int], direction: str | None, went: Callable[[list[int], str], Collection[int]]
) -> Iterator[int]:
    """The sightings of `ids` that went `direction` (all of them when None), in the order given: the
    direction is not in the search keys, so `went(chunk, direction)` (those of the chunk that went that
    way) is asked for a chunk of ids at a time. Both backends filter through this."""
    if direction is None:
        yield from ids
        return
    chunk: list[int] = []
    for sighting_id in ids:
        chunk.append(sighting_id)
        if len(chunk) == _DIRECTION_CHUNK:
            yield from _kept(chunk, went(chunk, direction))
            chunk = []
    yield from _kept(chunk, went(chunk, direction) if chunk else ())


def _kept(chunk: list[int], kept: Collection[int]) -> list[int]:
    return [sighting_id for sighting_id in chunk if sighting_id in kept]


def _went(conn: sqlite3.Connection, ids: list[int], direction: str) -> set[int]:
    marks = ",".join("?" * len(ids))
    return {row[0] for row in conn.execute(
        f"SELECT id FROM sightings WHERE direction = ? AND id IN ({marks})", (direction, *ids)  # noqa: S608
    )}


def get_sighting(conn: sqlite3.Connection, sighting_id: int) -> SightingHit | None:
    """One sighting by id (for the UI's detail page), or None if it does not exist (pruned)."""
    row = _rows(conn, [sighting_id]).get(sighting_id)
    return _hit(row, None) if row else None


def _matching_ids(
    conn: sqlite3.Connection,
    kind: int,
    key: str,
    window: tuple[float | None, float | None],
    camera: str | None,
) -> Iterator[int]:
    """Sighting ids whose key of `kind` starts with `key`, newest first, read lazily in pages."""
    where = ["k.kind = ?"]
    args: list[Any] = [kind]
    by_key = len(key) > 3 and _rare(conn, kind, key)
    if by_key:
        index = "sighting_keys_by_key"
    else:
        index = "sqlite_autoindex_sighting_keys_1"  # SQLite's name for the WITHOUT ROWID primary key
        where.append("k.key3 = ?")
        args.append(key[:3])
    if len(key) > 3:
        where.append("k.key >= ? AND k.key < ?")
        args += [key, key + "~"]
    if window[0] is not None:
        where.append("k.first_seen >= ?")
        args.append(window[0])
    if window[1] is not None:
        where.append("k.first_seen < ?")
        args.append(window[1])
    if camera:
        where.append("k.camera_id = ?")
        args.append(camera_id(conn, camera, create=False) or -1)
    sql = (
        f"SELECT k.sighting_id, k.first_seen FROM sighting_keys k INDEXED BY {index} "
        f"WHERE {' AND '.join(where)} AND (k.first_seen, k.sighting_id) < (?, ?) "
        "ORDER BY k.first_seen DESC, k.sighting_id DESC LIMIT ?"
    )
    return newest_first(lambda cursor, page: conn.execute(sql, (*args, *cursor, page)).fetchall())


def _rare(conn: sqlite3.Connection, kind: int, key: str) -> bool:
    count = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM sighting_keys INDEXED BY sighting_keys_by_key "
        "WHERE kind = ? AND key >= ? AND key < ? LIMIT ?)",
        (kind, key, key + "~", _SORT_CAP),
    ).fetchone()[0]
    return count < _SORT_CAP


def _rows(conn: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT id, plate, camera, first_seen, last_seen, confidence, reads, alternatives, region, "
        f"crop_path, scene_path, direction FROM sightings WHERE id IN ({marks})",
        ids,
    ).fetchall()
    return {row[0]: row for row in rows}


def _hit(row: sqlite3.Row, match: str | None) -> SightingHit:
    return SightingHit(
        id=row[0], plate=row[1], camera=row[2], first_seen=from_epoch(row[3]), last_seen=from_epoch(row[4]),
        confidence=row[5], reads=row[6], alternatives=json.loads(row[7]), region=row[8],
        crop_path=row[9], scene_path=row[10], match=match, direction=row[11],
    )
