"""The sign-in lockout's counts of refused attempts (web.db `login_locks`, kept by webui.lockout),
written to the audit log.

A lock refuses sign-ins without checking them and without an entry each, so that guessing cannot flood
the log; it counts them instead, per local month (the transparency report's period), and the count
goes into the log as one entry: `login_refusals` when a refusal comes in a new month while the lock
goes on, `login_lock_ended` when the lock is over. Each entry is written in the same transaction that
takes its count out of `login_locks`, so a count is never lost nor written twice. A lock that is over
is written at the next sign-in attempt, and by the daemon's minute job (dozor.lock_counts_job), so the
log has it even when nobody signs in again. Here rather than in webui so the daemon needs no Flask.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from accounts import audit
from accounts.audit import AuditAction
from edge.clock import Clock, from_epoch, to_epoch, utc_iso


@dataclass(frozen=True)
class Episode:
    """A lock's count: what it locked ("name:<user name>" or "address:<ip>"), since when (the first
    refusal counted) and how many attempts it refused."""

    key: str
    started: float
    refused: int


def month_of(epoch: float) -> str:
    """The local month (YYYY-MM) of `epoch`: the transparency report's period (webui.transparency)."""
    return time.strftime("%Y-%m", time.localtime(epoch))


def write_count(conn: sqlite3.Connection, clock: Clock, episode: Episode, action: AuditAction) -> None:
    """The audit entry of `episode`'s count, inside the caller's write transaction on web.db. Written in
    the name of the locked user name or address, not of whoever signs in now."""
    kind, _sep, subject = episode.key.partition(":")
    audit.append(
        conn, clock, actor=subject if kind == "name" else "-", ip=subject if kind == "address" else "-",
        action=action, target=episode.key,
        detail={"since": utc_iso(from_epoch(episode.started)), "refused": episode.refused},
        in_transaction=True,
    )


def write_ended(conn: sqlite3.Connection, clock: Clock) -> list[Episode]:
    """Locks that are over: each one's count written to the audit log (once) and taken out of
    `login_locks`, in one transaction; returned."""
    now = to_epoch(clock.now())
    if conn.execute("SELECT 1 FROM login_locks WHERE until <= ? LIMIT 1", (now,)).fetchone() is None:
        return []  # the usual case: no write transaction (the daemon asks every minute)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT key, started, refused FROM login_locks WHERE until <= ?", (now,)
        ).fetchall()
        ended = [Episode(r["key"], r["started"], r["refused"]) for r in rows]
        for episode in ended:
            write_count(conn, clock, episode, AuditAction.LOGIN_LOCK_ENDED)
        conn.execute("DELETE FROM login_locks WHERE until <= ?", (now,))
    return ended
