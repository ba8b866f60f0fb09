"""Checking the audit log's hash chain: all of it (`dozor audit verify`), only what was added since
the last checkpoint (the admin's audit page and the web service's keeper), so a page load costs
milliseconds at any length of log instead of re-hashing 500,000 entries (3.1 s), or the whole log a
slice at a time in the background (`recheck`). Each check names the entries concerned.

The checkpoint (web.db's audit_checkpoint: an entry id, its hash, when it was checked) says "the chain
up to here was intact". It lives in the file it vouches for, so it saves time and proves nothing against
whoever can write web.db: an edit below it is found by the background pass, the full check and the
witnessed heads (accounts.audit_witnessed), not by the quick one.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from accounts.audit import GENESIS, Head, _digest, case_of, hash_of, read_head
from edge.clock import Clock, from_epoch, to_epoch

CHUNK = 20_000  # entries one quick check hashes at most (~0.12 s); a longer backlog is caught up in steps
TRIGGERS = {"audit_no_update", "audit_no_delete"}
_quick_lock = threading.Lock()  # one quick check at a time per process: 16 page loads hash the tail once


@dataclass(frozen=True)
class Checkpoint:
    entry_id: int
    hash: str
    at: datetime | None


@dataclass
class ChainCheck:
    """What a check found: entries hashed, the range, the head, and the problems (none = intact)."""

    head: Head
    checkpoint: Checkpoint
    checked: int = 0
    last: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Hashed up to the head (a quick check after a long backlog may stop at CHUNK)."""
        return self.last >= self.head.entry_id


def verify(conn: sqlite3.Connection) -> tuple[int, list[str]]:
    """Check the whole chain. Returns (entries checked, problems); no problems = intact."""
    with snapshot(conn):
        checkpoint = read_checkpoint(conn)
        count, problems, last_id, last_hash = _walk(conn, 0, GENESIS)
        problems += _head_and_triggers(conn, last_id, last_hash)
        if checkpoint.entry_id and hash_of(conn, checkpoint.entry_id) != checkpoint.hash:
            problems.append(_checkpoint_broken(checkpoint))
    return count, problems


def quick_check(conn: sqlite3.Connection, clock: Clock, limit: int = CHUNK) -> ChainCheck:
    """Check the entries after the checkpoint (at most `limit`) and move the checkpoint to the last
    intact one. `conn` must be writable (the checkpoint is saved)."""
    with _quick_lock:
        with snapshot(conn):
            checkpoint = read_checkpoint(conn)
            result = ChainCheck(head=read_head(conn), checkpoint=checkpoint, last=checkpoint.entry_id)
            if checkpoint.entry_id and hash_of(conn, checkpoint.entry_id) != checkpoint.hash:
                result.problems.append(_checkpoint_broken(checkpoint))
                return result
            count, problems, last_id, last_hash = _walk(conn, checkpoint.entry_id, checkpoint.hash, limit)
            result.checked, result.last, result.problems = count, last_id, problems
            if result.complete:
                result.problems += _head_and_triggers(conn, last_id, last_hash)
        if not result.problems and last_id > checkpoint.entry_id:
            _save_checkpoint(conn, last_id, last_hash, clock)
        return result


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: the entries and the head record as of one moment. (Read in separate
    statements while the web service appends, a new entry would look like an end cut off.)"""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.rollback()  # nothing was written


def recheck(conn: sqlite3.Connection, after_id: int, limit: int) -> tuple[list[str], int, bool]:
    """Re-hash up to `limit` entries after `after_id`, a step of a slow background pass over the whole
    log (webui.audit_keeper). Returns (problems, the last entry re-hashed, whether the end was reached)."""
    prev_hash = hash_of(conn, after_id)
    if prev_hash is None:  # the log is shorter than where the pass was: start over
        after_id, prev_hash = 0, GENESIS
    count, problems, last_id, _ = _walk(conn, after_id, prev_hash, limit)
    return problems, last_id, count < limit


def read_checkpoint(conn: sqlite3.Connection) -> Checkpoint:
    try:
        row = conn.execute("SELECT entry_id, hash, at FROM audit_checkpoint WHERE one = 1").fetchone()
    except sqlite3.OperationalError:  # a web.db from before migration 2, opened read-only
        row = None
    if row is None:
        return Checkpoint(0, GENESIS, None)
    return Checkpoint(row["entry_id"], row["hash"], from_epoch(row["at"]))


def _save_checkpoint(conn: sqlite3.Connection, entry_id: int, digest: str, clock: Clock) -> None:
    with conn:
        conn.execute(
            "INSERT INTO audit_checkpoint (one, entry_id, hash, at) VALUES (1, ?, ?, ?)"
            " ON CONFLICT(one) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash,"
            " at = excluded.at WHERE excluded.entry_id > audit_checkpoint.entry_id",
            (entry_id, digest, to_epoch(clock.now())),
        )


def _walk(
    conn: sqlite3.Connection, after_id: int, prev_hash: str, limit: int | None = None
) -> tuple[int, list[str], int, str]:
    """Hash the entries after `after_id` (whose hash is `prev_hash`), in order.
    Returns (entries hashed, problems, last id, last hash)."""
    problems: list[str] = []
    expected_id, expected_prev, count = after_id + 1, prev_hash, 0
    sql, args = "SELECT * FROM audit WHERE id > ? ORDER BY id", [after_id]
    if limit is not None:
        sql, args = sql + " LIMIT ?", [after_id, limit]
    for row in conn.execute(sql, args):
        count += 1
        gap = row["id"] != expected_id
        if gap:
            problems.append(
                f"{span(expected_id, row['id'] - 1)} deleted (ids jump from "
                f"{expected_id - 1} to {row['id']})"
            )
        recomputed = _digest(
            row["id"],
            row["at"],
            row["actor"],
            row["ip"],
            row["action"],
            row["target"],
            row["detail"],
            row["prev_hash"],
            case_of(row),
        )
        if recomputed != row["hash"]:
            problems.append(f"entry {row['id']} edited: its content does not match its hash")
        elif not gap and row["prev_hash"] != expected_prev:
            problems.append(
                f"entry {row['id'] - 1} edited or replaced: entry {row['id']} points at a different hash"
            )
        expected_id, expected_prev = row["id"] + 1, row["hash"]
    return count, problems, expected_id - 1, expected_prev


def _head_and_triggers(conn: sqlite3.Connection, last_id: int, last_hash: str) -> list[str]:
    """The head record must name the last entry, and the append-only triggers must still exist."""
    problems = []
    head = read_head(conn)
    if head.entry_id > last_id:
        problems.append(f"{span(last_id + 1, head.entry_id)} deleted from the end of the log")
    elif head.entry_id < last_id or head.hash != last_hash:
        problems.append(f"entry {last_id} edited, or the log's head record was tampered with")
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if not triggers >= TRIGGERS:
        problems.append("the append-only triggers of the audit table were removed")
    return problems


def _checkpoint_broken(checkpoint: Checkpoint) -> str:
    return (
        f"entry {checkpoint.entry_id} is gone or has another hash than when the chain was checked up to "
        f"it ({checkpoint.at:%Y-%m-%d %H:%M} UTC): the log was cut or rewritten"
    )


def span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}-{last}"
