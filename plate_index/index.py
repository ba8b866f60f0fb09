"""Which plate store search reads: this appliance's plates.db, or the hromada's shared PostgreSQL index.

The seam between search's callers (`dozor search`, the web UI) and the backends: both answer the same
`search` and `get_sighting` with the same checks, order and matches (the same tests run against both).
Without `[index] url` nothing changes for a single appliance: search reads its own plates.db.
"""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Protocol, Unpack

from edge.config import Config
from edge.layout import DataLayout
from plate_index import search as sqlite_search
from plate_index.search import SearchFilters, SightingHit
from plate_index.store import open_store


class PlateIndex(Protocol):
    """What search's callers need of a plate store."""

    def search(self, query: str, **filters: Unpack[SearchFilters]) -> list[SightingHit]: ...

    def get_sighting(self, sighting_id: int) -> SightingHit | None: ...

    def own_sighting(self, node: str, node_sighting: int) -> int | None:
        """The number search gives a sighting of `node` known there by `node_sighting` (its plates.db
        id); None when this store does not hold it."""
        ...

    def close(self) -> None: ...


class SqliteIndex:
    """This appliance's plates.db (plate_index.search's functions over an open connection)."""

    def __init__(self, conn: sqlite3.Connection, *, owned: bool = True):
        self.conn = conn
        self._owned = owned
        self.search = partial(sqlite_search.search, conn)
        self.get_sighting = partial(sqlite_search.get_sighting, conn)

    def own_sighting(self, node: str, node_sighting: int) -> int | None:
        """plates.db numbers its own sightings as search does."""
        return node_sighting

    def close(self) -> None:
        if self._owned:
            self.conn.close()


def shared(config: Config) -> bool:
    """Search reads the shared PostgreSQL index (`[index] url` is set)."""
    return bool(config.index.url)


def open_index(config: Config) -> PlateIndex:
    """The store search reads for this configuration: the shared index when `[index] url` is set (psycopg
    raises OperationalError when it cannot be reached), else plates.db read-only (FileNotFoundError's
    sqlite3 twin when no plate was ever read: callers treat that as "nothing found")."""
    if shared(config):
        from plate_index.pg_index import PostgresIndex

        return PostgresIndex.open(config.index.url, readonly=True)
    return SqliteIndex(open_store(DataLayout(config.storage.path).plates_db, readonly=True))
