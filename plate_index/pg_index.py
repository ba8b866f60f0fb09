"""The shared plate index on PostgreSQL: every appliance's sightings in one place, searched as plates.db is.

A hromada with several appliances (nodes) points each at one PostgreSQL database (`[index] url`). Each
node ships its sightings there (plate_index.outbox); the hub's web UI and `dozor search` read them here.
A sighting is known by (node, the node's own sighting id), so shipping one twice rewrites it instead of
adding a second row: the outbox may repeat a batch after a broken link and the index still holds each
sighting once. Video, crops and scenes stay on the node; the paths here are relative to its storage.

Search gives the same answers as plates.db (plate_index.search) for the same data: the same search keys
(plate_index.store.search_keys: the plate exactly, the folded plate and alternatives tolerantly), the
same ranking (`plate_index.search.rank`: exact first, then tolerant, each newest first, each sighting
once), the same query checks. The keys are indexed three ways: by (kind, first three characters,
first_seen) for "the newest starting with BH1", one ordered index range read with a LIMIT however common
BH1 is; by (kind, key) with text_pattern_ops for longer anchored prefixes; and by pg_trgm's trigram GIN
index for wildcard queries (`*1234`), which become LIKE patterns PostgreSQL answers from that index.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

import psycopg
from psycopg.rows import TupleRow

from edge.clock import from_epoch, to_epoch
from plate_index.normalise import normalise
from plate_index.pg_nodes import SERVER_NOW as _SERVER_NOW
from plate_index.pg_wildcard import MIGRATION as WILDCARD_MIGRATION
from plate_index.pg_wildcard import newest_matches
from plate_index.search import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    SearchFilters,
    SightingHit,
    going,
    newest_first,
    rank,
    validate_query,
)
from plate_index.store import NewSighting, search_keys
from plate_index.wildcard import glob_of, is_pattern

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5  # seconds: a node behind a dead radio link must not hang its shipper for minutes

# Each entry moves the schema one version up (table dozor_schema); applied under an advisory lock, so
# that a hub and its nodes starting together migrate once.
MIGRATIONS: list[str] = [
    """
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE TABLE nodes (
        name text PRIMARY KEY,
        shipped_at double precision,          -- when the node last shipped a batch (node's clock, epoch s)
        shipped_seq bigint NOT NULL DEFAULT 0,  -- the last outbox entry it shipped
        backlog bigint NOT NULL DEFAULT 0     -- outbox entries it had left after that batch
    );
    CREATE TABLE sightings (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        node text NOT NULL,
        node_id bigint NOT NULL,              -- the sighting's id in the node's plates.db
        camera text NOT NULL,
        plate text NOT NULL,
        first_seen double precision NOT NULL,
        last_seen double precision NOT NULL,
        confidence double precision NOT NULL,
        reads integer NOT NULL,
        alternatives jsonb NOT NULL DEFAULT '[]',
        region text,
        region_confidence double precision,
        crop_path text,
        scene_path text,
        UNIQUE (node, node_id)
    );
    CREATE TABLE sighting_keys (
        sighting_id bigint NOT NULL REFERENCES sightings (id) ON DELETE CASCADE,
        kind smallint NOT NULL,               -- 0 exact (plate), 1 tolerant (folded plate, alternatives)
        key text NOT NULL COLLATE "C",
        first_seen double precision NOT NULL,
        camera text NOT NULL,
        PRIMARY KEY (sighting_id, kind, key)
    );
    CREATE INDEX sighting_keys_by_key3
        ON sighting_keys (kind, left(key, 3), first_seen DESC, sighting_id DESC);
    CREATE INDEX sighting_keys_by_key ON sighting_keys (kind, key text_pattern_ops);
    CREATE INDEX sighting_keys_by_grams ON sighting_keys USING gin (key gin_trgm_ops);
    """,
    # Newest keys first with their text, for wildcard queries (plate_index.pg_wildcard).
    WILDCARD_MIGRATION,
    # Which way the car went (plate_index.direction.Direction), as plates.db's migration 7 keeps it.
    "ALTER TABLE sightings ADD COLUMN direction text NOT NULL DEFAULT 'unknown';",
    # Which appliance ships under each name (NULL: shipped before it was asked) and when the index last
    # heard from it, on the index's clock (plate_index.pg_nodes).
    "ALTER TABLE nodes ADD COLUMN appliance text, ADD COLUMN heard_at double precision; "
    f"UPDATE nodes SET heard_at = {_SERVER_NOW};",
]

_SCHEMA_LOCK = 0x646F7A6F72  # "dozor": the advisory lock that serialises migrations


def connect(url: str) -> psycopg.Connection[TupleRow]:
    """A connection to the shared index (psycopg.OperationalError when it cannot be reached). A radio
    link that drops silently leaves no reset behind: TCP keepalives and a send timeout end such a
    connection within about a minute, instead of the kernel's quarter of an hour."""
    return psycopg.connect(
        url, connect_timeout=CONNECT_TIMEOUT, application_name="dozor",
        keepalives=1, keepalives_idle=20, keepalives_interval=10, keepalives_count=3, tcp_user_timeout=60_000,
    )


def migrate(conn: psycopg.Connection[TupleRow]) -> int:
    """Bring the index's schema to the current version; returns the version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS dozor_schema (version integer NOT NULL)")
        row = conn.execute("SELECT version FROM dozor_schema").fetchone()
        version = row[0] if row else 0
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute(script)  # our own constant SQL, several statements
            log.info("shared plate index migrated to version %d", number)
        if row is None:
            conn.execute("INSERT INTO dozor_schema (version) VALUES (%s)", (len(MIGRATIONS),))
        else:
            conn.execute("UPDATE dozor_schema SET version = %s", (len(MIGRATIONS),))
    return len(MIGRATIONS)


@dataclass(frozen=True)
class NodeState:
    """How far a node's shipping has got, as the index last heard it from the node."""

    name: str
    shipped_at: datetime | None
    shipped_seq: int
    backlog: int
    sightings: int
    last_sighting: datetime | None = None  # first seen of the newest sighting it shipped


class PostgresIndex:
    """Search over the shared index, and the writes a node's outbox ships. Not thread-safe: one per
    thread (a web request, the shipper)."""

    def __init__(self, conn: psycopg.Connection[TupleRow]):
        self.conn = conn

    @classmethod
    def open(cls, url: str, *, readonly: bool = False) -> PostgresIndex:
        """Connected and migrated. `readonly`: every transaction of the connection is read-only, as the
        web UI and the CLI read (they can never change what the nodes shipped)."""
        conn = connect(url)
        migrate(conn)
        if readonly:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            conn.commit()
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    # -- search -----------------------------------------------------------------------------------

    def search(self, query: str, **filters: Unpack[SearchFilters]) -> list[SightingHit]:
        """As plate_index.search.search over plates.db (the same checks, filters, order, matches);
        hits carry the node that holds the video."""
        text = validate_query(query)
        limit = max(1, min(filters.get("limit", DEFAULT_LIMIT), MAX_LIMIT))
        since, until = filters.get("since"), filters.get("until")
        window = (to_epoch(since) if since else None, to_epoch(until) if until else None)
        pattern, camera, direction = is_pattern(text), filters.get("camera"), filters.get("direction")
        found = rank(
            lambda kind, key: going(
                self._matching_ids(kind, key, pattern, window, camera), direction, self._went
            ),
            text, exact=filters.get("exact", False), limit=limit,
        )
        rows = self._rows(list(found))
        self.conn.rollback()  # end the read transaction: a pooled or long-lived connection holds none
        return [_hit(rows[i], match) for i, match in found.items() if i in rows]

    def get_sighting(self, sighting_id: int) -> SightingHit | None:
        row = self._rows([sighting_id]).get(sighting_id)
        self.conn.rollback()
        return _hit(row, None) if row else None

    def own_sighting(self, node: str, node_sighting: int) -> int | None:
        """The index's number of a node's sighting by its plates.db id; None until it was shipped."""
        row = self.conn.execute(
            "SELECT id FROM sightings WHERE node = %s AND node_id = %s", (node, node_sighting)
        ).fetchone()
        self.conn.rollback()
        return row[0] if row else None

    def _matching_ids(
        self,
        kind: int,
        key: str,
        pattern: bool,
        window: tuple[float | None, float | None],
        camera: str | None,
    ) -> Iterator[int]:
        span: tuple[list[str], list[Any]] = ([], [])
        if window[0] is not None:
            span[0].append("first_seen >= %s")
            span[1].append(window[0])
        if window[1] is not None:
            span[0].append("first_seen < %s")
            span[1].append(window[1])
        if pattern:
            like = glob_of(key).replace("*", "%").replace("?", "_")
            return newest_first(
                lambda cursor, page: newest_matches(self.conn, kind, like, span, camera, cursor, page)
            )
        where = ["kind = %s", "left(key, 3) = %s", *span[0]]
        args: list[Any] = [kind, key[:3], *span[1]]
        if len(key) > 3:
            where.append("key LIKE %s")
            args.append(key + "%")
        if camera:
            where.append("camera = %s")
            args.append(camera)
        sql = (
            f"SELECT sighting_id, first_seen FROM sighting_keys WHERE {' AND '.join(where)} "
            "AND (first_seen, sighting_id) < (%s, %s) ORDER BY first_seen DESC, sighting_id DESC LIMIT %s"
        )
        return newest_first(
            lambda cursor, page: self.conn.execute(sql, (*args, *cursor, page)).fetchall()
        )

    def _went(self, ids: list[int], direction: str) -> set[int]:
        rows = self.conn.execute(
            "SELECT id FROM sightings WHERE direction = %s AND id = ANY(%s)", (direction, ids)
        ).fetchall()
        return {row[0] for row in rows}

    def _rows(self, ids: list[int]) -> dict[int, tuple]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT id, plate, camera, first_seen, last_seen, confidence, reads, alternatives, region, "
            "crop_path, scene_path, node, direction, node_id FROM sightings WHERE id = ANY(%s)",
            (ids,),
        ).fetchall()
        return {row[0]: row for row in rows}

    # -- what a node ships ------------------------------------------------------------------------

    def put(self, node: str, sightings: Sequence[tuple[int, NewSighting]]) -> None:
        """Add or rewrite a node's sightings (its own ids) with their search keys, in the caller's
        transaction. Shipping the same sighting again leaves one row."""
        key_rows: list[tuple] = []
        for node_id, sighting in sightings:
            plate = normalise(sighting.plate)
            alternatives = [normalise(a) for a in sighting.alternatives]
            row = self.conn.execute(
                "INSERT INTO sightings (node, node_id, camera, plate, first_seen, last_seen, confidence, "
                "reads, alternatives, region, region_confidence, crop_path, scene_path, direction) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (node, node_id) DO UPDATE SET "
                "camera = EXCLUDED.camera, plate = EXCLUDED.plate, first_seen = EXCLUDED.first_seen, "
                "last_seen = EXCLUDED.last_seen, confidence = EXCLUDED.confidence, reads = EXCLUDED.reads, "
                "alternatives = EXCLUDED.alternatives, region = EXCLUDED.region, "
                "region_confidence = EXCLUDED.region_confidence, crop_path = EXCLUDED.crop_path, "
                "scene_path = EXCLUDED.scene_path, direction = EXCLUDED.direction RETURNING id, (xmax <> 0)",
                (node, node_id, sighting.camera, plate, sighting.first_seen, sighting.last_seen,
                 sighting.confidence, sighting.reads, json.dumps(alternatives), sighting.region,
                 sighting.region_confidence, sighting.crop_path, sighting.scene_path,
                 str(sighting.direction)),
            ).fetchone()
            assert row is not None  # INSERT ... RETURNING always returns the row
            sighting_id, rewritten = row
            if rewritten:
                self.conn.execute("DELETE FROM sighting_keys WHERE sighting_id = %s", (sighting_id,))
            key_rows += [(sighting_id, kind, key, sighting.first_seen, sighting.camera)
                         for kind, key in search_keys(plate, alternatives)]
        with self.conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sighting_keys (sighting_id, kind, key, first_seen, camera) "
                "VALUES (%s,%s,%s,%s,%s)",
                key_rows,
            )

    def delete(self, node: str, node_ids: Sequence[int]) -> int:
        """Remove a node's sightings (its own ids) and their keys, in the caller's transaction; returns
        how many were there. Deleting one that is not there is no error (a repeated batch)."""
        cursor = self.conn.execute(
            "DELETE FROM sightings WHERE node = %s AND node_id = ANY(%s)", (node, list(node_ids))
        )
        return cursor.rowcount

    def record_progress(self, node: str, shipped_at: float, shipped_seq: int, backlog: int) -> None:
        """What `dozor status` on the hub shows of a node: when it last shipped, and what it had left."""
        self.conn.execute(
            "INSERT INTO nodes (name, shipped_at, shipped_seq, backlog, heard_at) "
            f"VALUES (%s, %s, %s, %s, {_SERVER_NOW}) "
            "ON CONFLICT (name) DO UPDATE SET shipped_at = EXCLUDED.shipped_at, "
            "shipped_seq = EXCLUDED.shipped_seq, backlog = EXCLUDED.backlog, heard_at = EXCLUDED.heard_at",
            (node, shipped_at, shipped_seq, backlog),
        )

    def nodes(self) -> list[NodeState]:
        """Every node that has shipped, with its sightings in the index."""
        rows = self.conn.execute(
            "SELECT n.name, n.shipped_at, n.shipped_seq, n.backlog, "
            "(SELECT count(*) FROM sightings s WHERE s.node = n.name), "
            "(SELECT s.first_seen FROM sightings s WHERE s.node = n.name ORDER BY s.node_id DESC LIMIT 1) "
            "FROM nodes n ORDER BY n.name"
        ).fetchall()
        self.conn.rollback()
        return [
            NodeState(name, from_epoch(at) if at is not None else None, seq, backlog, count,
                      from_epoch(newest) if newest is not None else None)
            for name, at, seq, backlog, count, newest in rows
        ]


def _hit(row: tuple, match: str | None) -> SightingHit:
    alternatives = row[7] if isinstance(row[7], list) else json.loads(row[7])
    return SightingHit(
        id=row[0], plate=row[1], camera=row[2], first_seen=from_epoch(row[3]), last_seen=from_epoch(row[4]),
        confidence=row[5], reads=row[6], alternatives=alternatives, region=row[8],
        crop_path=row[9], scene_path=row[10], match=match, node=row[11], direction=row[12],
        node_sighting=row[13],
    )
