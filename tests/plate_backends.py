"""The two plate stores search runs on, for the search tests: `store` is each in turn.

`add` stores a sighting as the product does: on plates.db as the LPR worker does (insert_sighting), on
PostgreSQL as a node's outbox ships it (PostgresIndex.put, committed). `search` and `get_sighting` are
the backend's own, through the seam the CLI and the web UI use (plate_index.index.PlateIndex).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from plate_index.index import PlateIndex, SqliteIndex
from plate_index.store import NewSighting, insert_sighting, open_store

NODE = "village-a"


class SearchStore:
    def __init__(self, index: PlateIndex, backend: str):
        self.index = index
        self.backend = backend
        self.search = index.search
        self.get_sighting = index.get_sighting
        self._node_ids = itertools.count(1)

    def add(self, sighting: NewSighting) -> int:
        """Store one sighting; returns the id search hits carry."""
        from plate_index.pg_index import PostgresIndex

        if isinstance(self.index, SqliteIndex):
            return insert_sighting(self.index.conn, sighting)
        assert isinstance(self.index, PostgresIndex)
        node_id = next(self._node_ids)
        with self.index.conn.transaction():
            self.index.put(NODE, [(node_id, sighting)])
        row = self.index.conn.execute(
            "SELECT id FROM sightings WHERE node = %s AND node_id = %s", (NODE, node_id)
        ).fetchone()
        self.index.conn.rollback()
        assert row is not None
        return int(row[0])


def open_search_store(backend: str, folder: Path, request: pytest.FixtureRequest) -> SearchStore:
    if backend == "sqlite":
        return SearchStore(SqliteIndex(open_store(folder / "plates.db")), backend)
    from plate_index.pg_index import PostgresIndex

    return SearchStore(PostgresIndex.open(request.getfixturevalue("postgres_url")), backend)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchStore]:
    """Each plate store in turn, empty."""
    opened = open_search_store(request.param, tmp_path, request)
    yield opened
    opened.index.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SearchStore]:
    """plates.db alone, for the tests of what only it has (its FTS5 tables, migrations, rewrites)."""
    opened = open_search_store("sqlite", tmp_path, request)
    yield opened
    opened.index.close()
