"""The node's outbox: every change to plates.db's sightings shipped to the shared index, in order, once.

plates.db stays the node's own record; the shared index (plate_index.pg_index) is a copy that a link
or a PostgreSQL outage may leave behind for hours. So nothing that writes a sighting ever talks to
PostgreSQL: triggers on `sightings` queue the sighting's id in `outbox` inside the writer's own
transaction (the LPR worker's insert, grouping's rewrite, a clock-shift move, retention's delete), and a
shipper thread here sends the queue to the index in order, batch by batch:

- a batch is one PostgreSQL transaction (the sightings as they are now, or their deletion, and the node's
  progress); only after it committed are its entries taken off the outbox, so a batch cut off by an
  outage is sent again, and since the index keys a sighting by (node, id) a repeat rewrites it: each
  sighting ends up there exactly once;
- while the index cannot be reached the shipper waits with backoff (1 s to 30 s) and the outbox grows;
  `dozor status` shows its length, the age of its oldest entry and the last error.

Shipping is on only while `[index] url` is set: the triggers queue nothing otherwise (a single appliance
keeps no outbox). Turned on, it queues every sighting already stored, so a node added to a hromada ships
its past fortnight too.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
import time
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

from edge.backoff import Backoff
from edge.clock import Clock, SystemClock, to_epoch
from plate_index.outbox_schema import NOW as _NOW
from plate_index.store import NewSighting, open_store

log = logging.getLogger(__name__)

BATCH = 500
IDLE_SECONDS = 1.0  # how often an empty outbox is looked at again
PRUNE_SECONDS = 600.0  # how often the sightings of nodes that stopped shipping are looked for (as retention)
def enable(conn: sqlite3.Connection) -> None:
    """Turn shipping on; the first time, queue every sighting already stored (oldest first)."""
    with conn:
        if conn.execute("SELECT enabled FROM shipping").fetchone()[0]:
            return
        conn.execute("UPDATE shipping SET enabled = 1")
        conn.execute(
            "INSERT INTO outbox (sighting_id, deleted, queued) "  # noqa: S608 - a constant expression
            f"SELECT id, 0, {_NOW} FROM sightings ORDER BY id"
        )


def appliance(conn: sqlite3.Connection, node: str) -> str:
    """This appliance's id in the shared index (random, made once, kept in plates.db so that a restored
    backup is the same appliance), shipping as `node`. A node renamed since it last shipped queues
    every sighting it holds again: the index drops them under the old name (pg_nodes.claim)."""
    made, shipped_as = conn.execute("SELECT appliance, shipped_as FROM shipping").fetchone()
    if made and shipped_as == node:
        return str(made)
    with conn:
        made = made or secrets.token_hex(16)
        if shipped_as and shipped_as != node:
            log.info("this node ships as %r now (it was %r): all its sightings are queued again", node,
                     shipped_as)
            conn.execute(
                "INSERT INTO outbox (sighting_id, deleted, queued) "  # noqa: S608 - a constant expression
                f"SELECT id, 0, {_NOW} FROM sightings ORDER BY id"
            )
        conn.execute("UPDATE shipping SET appliance = ?, shipped_as = ?", (made, node))
    return str(made)


def disable(conn: sqlite3.Connection) -> None:
    """Turn shipping off and forget the queue (`[index]` was removed: this appliance stands alone)."""
    with conn:
        conn.execute("UPDATE shipping SET enabled = 0")
        conn.execute("DELETE FROM outbox")


@dataclass(frozen=True)
class OutboxState:
    """How far behind the shared index is, as `dozor status` shows it."""

    enabled: bool
    waiting: int  # outbox entries not shipped yet
    oldest_queued: float | None  # epoch s of the oldest of them
    shipped_at: float | None
    last_error: str


def state(conn: sqlite3.Connection) -> OutboxState:
    enabled, shipped_at, last_error = conn.execute(
        "SELECT enabled, shipped_at, last_error FROM shipping"
    ).fetchone()
    waiting, oldest = conn.execute("SELECT count(*), min(queued) FROM outbox").fetchone()
    return OutboxState(bool(enabled), waiting, oldest, shipped_at, last_error)


_COLUMNS = (
    "id, camera, plate, first_seen, last_seen, confidence, reads, alternatives, region, region_confidence, "
    "crop_path, scene_path, direction"
)


def _sightings(conn: sqlite3.Connection, ids: list[int]) -> dict[int, NewSighting]:
    found: dict[int, NewSighting] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT {_COLUMNS} FROM sightings WHERE id IN ({marks})", chunk):  # noqa: S608
            found[row[0]] = NewSighting(
                camera=row[1], plate=row[2], first_seen=row[3], last_seen=row[4], confidence=row[5],
                reads=row[6], alternatives=json.loads(row[7]), region=row[8], region_confidence=row[9],
                crop_path=row[10], scene_path=row[11], direction=row[12],
            )
    return found


class Shipper:
    """Ships plates.db's outbox to the shared index, in a thread of the daemon."""

    def __init__(self, plates_db: Path, url: str, node: str, *, clock: Clock | None = None,
                 batch: int = BATCH, backoff: Backoff | None = None, keep_days: float | None = None):
        self.plates_db = plates_db
        self.url = url
        self.node = node
        self.keep_days = keep_days  # storage.retention_days: what silent nodes leave is deleted after it
        self.clock = clock or SystemClock()
        self.batch = batch
        self.backoff = backoff or Backoff(1.0, 30.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._index = None  # PostgresIndex, opened when the index answers

    def start(self) -> None:
        with closing(open_store(self.plates_db)) as conn:
            enable(conn)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="index-shipper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._close_index()

    def _run(self) -> None:
        conn = open_store(self.plates_db)
        pruned_at = -PRUNE_SECONDS
        try:
            while not self._stop.is_set():
                try:
                    shipped = self.ship_once(conn)
                    if time.monotonic() - pruned_at >= PRUNE_SECONDS:
                        self.prune_silent_nodes(conn)
                        pruned_at = time.monotonic()
                except Exception as exc:  # psycopg errors above all; nothing may end the thread
                    self._failed(conn, exc)
                    self._stop.wait(self.backoff.next())
                    continue
                self.backoff.reset()
                if shipped < self.batch:
                    self._stop.wait(IDLE_SECONDS)
        finally:
            conn.close()

    def ship_once(self, conn: sqlite3.Connection) -> int:
        """Ship the next batch of the outbox; returns how many entries it took off (0: empty)."""
        from plate_index import pg_nodes  # psycopg only where shipping is on

        me = appliance(conn, self.node)
        rows = conn.execute(
            "SELECT seq, sighting_id, deleted FROM outbox ORDER BY seq LIMIT ?", (self.batch,)
        ).fetchall()
        if not rows:
            return 0
        last_seq = rows[-1][0]
        latest = {sighting_id: bool(deleted) for _seq, sighting_id, deleted in rows}  # the last change wins
        current = _sightings(conn, [i for i, deleted in latest.items() if not deleted])
        gone = [i for i in latest if i not in current]  # deleted here, or since it was queued
        backlog = conn.execute("SELECT count(*) FROM outbox WHERE seq > ?", (last_seq,)).fetchone()[0]
        now = to_epoch(self.clock.now())
        index = self._open_index()
        with index.conn.transaction():
            pg_nodes.claim(index.conn, self.node, me)
            index.put(self.node, sorted(current.items()))
            index.delete(self.node, gone)
            index.record_progress(self.node, now, last_seq, backlog)
        with conn:
            conn.execute("DELETE FROM outbox WHERE seq <= ?", (last_seq,))
            conn.execute(
                "UPDATE shipping SET shipped_seq = ?, shipped_at = ?, last_error = ''", (last_seq, now)
            )
        log.debug("shipped %d sightings and %d deletions to the shared index", len(current), len(gone))
        return len(rows)

    def prune_silent_nodes(self, conn: sqlite3.Connection) -> int:
        """Tell the index this node runs, and delete from it what nodes no longer running leave past the
        retention (every node's shipper does it, so the index keeps nothing for ever while any node
        runs); 0 without keep_days."""
        from plate_index import pg_nodes

        if self.keep_days is None:
            return 0
        me = appliance(conn, self.node)
        index = self._open_index()
        with index.conn.transaction():
            deleted = pg_nodes.prune_silent(index.conn, self.node, me, self.keep_days)
        if deleted:
            log.info("deleted %d sightings of nodes that no longer ship from the shared index", deleted)
        return deleted

    def _open_index(self):  # -> PostgresIndex (psycopg is imported only where shipping is on)
        from plate_index.pg_index import PostgresIndex

        if self._index is None or self._index.conn.closed or self._index.conn.broken:
            self._close_index()
            self._index = PostgresIndex.open(self.url)
            log.info("shipping sightings to the shared index as node %r", self.node)
        return self._index

    def _close_index(self) -> None:
        if self._index is not None:
            with suppress(Exception):  # closing a connection that already broke
                self._index.close()
            self._index = None

    def _failed(self, conn: sqlite3.Connection, exc: Exception) -> None:
        message = " ".join(str(exc).split())[:300] or type(exc).__name__
        log.warning("the shared plate index cannot be reached; sightings wait in the outbox: %s", message)
        self._close_index()
        try:
            with conn:
                conn.execute("UPDATE shipping SET last_error = ?", (message,))
        except sqlite3.Error as local:
            log.warning("cannot note the shipping error in plates.db: %s", local)
