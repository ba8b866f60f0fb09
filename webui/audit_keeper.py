"""The web service's audit housekeeping, on its own thread every TICK_SECONDS:
- witnesses the chain's head (accounts.audit_anchor) at start-up, once WITNESS_EVERY entries were added,
  within WITNESS_SECONDS of any other change, and at least every HEARTBEAT_SECONDS. Entries the
  `dozor` commands add from a shell are witnessed the same way, since the head is read from web.db;
- at start-up compares the log with the heads in the anchor file, and then checks on each round that the
  last head it witnessed is still there, so a cut, emptied or rewritten log shows on the audit page and
  as an error in the journal within seconds, not only when someone runs `dozor audit verify`;
- moves the checkpoint along (accounts.audit_chain.quick_check), so the audit page hashes a few entries,
  and re-hashes the whole log SWEEP_EVERY_TICK entries a round (a pass over 500,000 entries takes about
  20 minutes and 0.3 % of a core), so an entry edited below the checkpoint shows within the pass;
- closes live viewings nobody fetched a picture of for a while, writing their end entry.

The thread holds the keeper only through a weak reference: it ends on stop() or once the app is gone.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import weakref
from datetime import datetime

from accounts.audit import Head, hash_of, log_id, read_head
from accounts.audit_anchor import HeadWitness
from accounts.audit_chain import quick_check, recheck
from accounts.audit_witnessed import Witnessed, compare, from_anchor
from edge.clock import Clock
from edge.db import connect
from edge.layout import DataLayout
from webui.auditing import write_end
from webui.viewings import Viewings

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0
WITNESS_EVERY = 10  # entries
WITNESS_SECONDS = 60.0  # a changed head is witnessed within a minute, however few entries were added
HEARTBEAT_SECONDS = 300.0  # an unchanged head is witnessed again every 5 minutes
SWEEP_EVERY_TICK = 2_000  # entries re-hashed per round by the background pass (~12 ms)


class AuditKeeper:
    def __init__(self, layout: DataLayout, clock: Clock, viewings: Viewings, witness: HeadWitness):
        self.layout = layout
        self.clock = clock
        self.viewings = viewings
        self.witness = witness
        self.witnessed: Head | None = None  # the last head this process witnessed
        self.witnessed_at: datetime | None = None
        self.problems: list[str] = []  # what the keeper found wrong with the log, newest last
        self.swept_at: datetime | None = None  # when the last background pass over the whole log ended
        self._sweep_after = 0
        self._witnessed_mono = float("-inf")
        self._checked_anchor = False
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def start(self) -> None:
        ref = weakref.ref(self)
        threading.Thread(target=_run, args=(ref, self._stop), name="audit-keeper", daemon=True).start()
        atexit.register(_at_exit, ref)

    def stop(self) -> None:
        """End the thread; close every open viewing (end entries) and witness the head a last time."""
        self._stop.set()
        self.tick(final=True)

    def tick(self, final: bool = False) -> None:
        """One round (the thread calls it; tests call it after moving their clock)."""
        with self._lock:
            if not self.layout.web_db.exists():
                self._report([f"web.db is missing: {self.layout.web_db}"])
                return
            conn = connect(self.layout.web_db)
            try:
                self._round(conn, final)
            finally:
                conn.close()

    def _round(self, conn: sqlite3.Connection, final: bool) -> None:
        if not self._checked_anchor:
            self._report(self._compare(conn, from_anchor(self.witness.anchor).heads))
            self._checked_anchor = True
        for viewing in self.viewings.close_idle(everything=final):
            write_end(conn, self.clock, viewing)
        if self.witnessed is not None:
            last = self.witnessed
            self._report(self._compare(conn, [Witnessed(last.entry_id, last.hash, last.log_id,
                                                         self.witnessed_at, "by this web service")]))
        head = read_head(conn)
        if final or self._due(head):
            self.witness.witness(head, self.clock.now())
            self.witnessed, self.witnessed_at = head, self.clock.now()
            self._witnessed_mono = self.clock.monotonic()
        self._report(quick_check(conn, self.clock).problems)
        problems, self._sweep_after, done = recheck(conn, self._sweep_after, SWEEP_EVERY_TICK)
        self._report(problems)
        if done:
            self._sweep_after, self.swept_at = 0, self.clock.now()

    def _due(self, head: Head) -> bool:
        last = self.witnessed
        if last is None or head.log_id != last.log_id:
            return True
        elapsed = self.clock.monotonic() - self._witnessed_mono
        if head.entry_id - last.entry_id >= WITNESS_EVERY or elapsed >= HEARTBEAT_SECONDS:
            return True
        return head != last and elapsed >= WITNESS_SECONDS

    def _compare(self, conn: sqlite3.Connection, heads: list[Witnessed]) -> list[str]:
        last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
        return compare(log_id(conn), last_id, lambda entry_id: hash_of(conn, entry_id), heads)

    def _report(self, problems: list[str]) -> None:
        for problem in problems:
            if problem not in self.problems:
                log.error("audit log tampered with: %s", problem)
                self.problems.append(problem)


def _run(ref: weakref.ref, stop: threading.Event) -> None:
    while not stop.is_set():
        keeper = ref()
        if keeper is None:
            return
        try:
            keeper.tick()
        except Exception:  # a locked or damaged web.db: say so, try again next round
            log.exception("audit keeper round failed")
        del keeper
        stop.wait(TICK_SECONDS)


def _at_exit(ref: weakref.ref) -> None:
    keeper = ref()
    if keeper is not None and not keeper._stop.is_set() and keeper.layout.web_db.exists():
        try:
            keeper.stop()
        except Exception:
            log.exception("audit keeper: the last round at exit failed")
