"""The README's hub setup and recovery, on a real PostgreSQL server (issue 17's review): claims of
"Several appliances, one search" that only an installer would otherwise find false.

- "Set up PostgreSQL on the hub": `createuser dozor` (a plain role, no superuser) and `createdb --owner
  dozor dozor`; "Dozor creates its tables (and the pg_trgm extension, which the database owner may
  create) on first use". The other tests connect as the cluster's superuser.
- "What to back up": "Losing the hub loses no sighting: a new, empty index is filled again by each node
  after `UPDATE shipping SET enabled = 0` in its plates.db and a restart (which queues all it holds)."
"""

from __future__ import annotations

import time
import uuid
from contextlib import closing

import psycopg
from recording import wait_until

from plate_index import outbox
from plate_index.outbox import Shipper
from plate_index.pg_index import PostgresIndex
from plate_index.store import NewSighting, insert_sighting, open_store

NODE = "village-a"


def _database(server, owner: str | None = None) -> str:
    """A new database on the session's server (owned by `owner`, a new plain role, if given)."""
    name = f"d{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as admin:
        if owner:
            admin.execute(f"CREATE ROLE {owner} LOGIN")  # createuser: no superuser, no createdb
        admin.execute(f"CREATE DATABASE {name} OWNER {owner or 'dozor'} STRATEGY FILE_COPY")
    return f"postgresql://{owner or 'dozor'}@127.0.0.1:{server.port}/{name}"


def _plates(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        try:
            return [p for (p,) in conn.execute("SELECT plate FROM sightings ORDER BY node_id").fetchall()]
        except psycopg.errors.UndefinedTable:  # the shipper has not created its tables yet
            return []


def _store(path, plates: list[str]):
    conn = open_store(path)
    now = time.time()
    for n, plate in enumerate(plates):
        insert_sighting(conn, NewSighting("road-north", plate, now - 60 + n, now - 58 + n, 0.9, 3))
    return conn


def test_a_database_owned_by_a_plain_role_is_all_dozor_needs(tmp_path, postgres_server):
    owner = f"u{uuid.uuid4().hex[:12]}"
    url = _database(postgres_server, owner)
    with closing(_store(tmp_path / "plates.db", ["BH1234AA", "KA0001AB"])) as conn:
        outbox.enable(conn)
        shipper = Shipper(tmp_path / "plates.db", url, NODE)
        while shipper.ship_once(conn):
            pass
        shipper.stop()
    index = PostgresIndex.open(url, readonly=True)  # the hub's web UI and `dozor search`
    try:
        assert [h.plate for h in index.search("BH1")] == ["BH1234AA"]
        assert [h.plate for h in index.search("*0001*")] == ["KA0001AB"]  # pg_trgm's index
    finally:
        index.close()
    with psycopg.connect(url) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        assert superuser == (False,)
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()


def test_a_new_empty_index_is_filled_again_by_each_node_after_the_readmes_steps(tmp_path, postgres_server):
    lost, new = _database(postgres_server), _database(postgres_server)
    path = tmp_path / "plates.db"
    with closing(_store(path, ["BH1234AA", "BH2345AA", "BH3456AA"])) as conn:
        shipper = Shipper(path, lost, NODE)
        shipper.start()
        assert wait_until(lambda: len(_plates(lost)) == 3, 30)
        shipper.stop()
        with conn:
            conn.execute("UPDATE shipping SET enabled = 0")  # the README's step on the node
    restarted = Shipper(path, new, NODE)  # `systemctl restart dozor` with the new hub's [index] url
    restarted.start()
    try:
        assert wait_until(lambda: _plates(new) == ["BH1234AA", "BH2345AA", "BH3456AA"], 30), _plates(new)
    finally:
        restarted.stop()
