"""Brute-force protection for the login form: at most 5 wrong passwords per user name (from any
address) and per client address (for any name) in 15 minutes, however many requests arrive at once.

A check is reserved before the slow scrypt hash, in one write transaction that counts the recent checks
of the name and of the address and adds this one (BEGIN IMMEDIATE serialises it across threads and
processes), so a burst of 32 guesses gets 5 checks and 27 refusals. A successful check takes its
reservation back, with the user's earlier failures from that address (not from others, and not the
address's failures at other names). Per name, so guesses from many
addresses add up; per address, so one machine cannot try one password on every account. The price: a
person who knows a user name can lock it for 15 minutes; the audit log shows from where.

Refusals do not each write an audit entry (1,500 anonymous posts once wrote 1,496): the first refusal
of a lock episode says so, and the lock counts the rest per local month, written to the log as one
entry per lock and month (accounts.lock_counts), so an episode costs two entries, one more for each
month it spans, however long an attacker keeps trying. Everything is kept in web.db, so restarting
the web process resets nothing.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from accounts.audit import AuditAction
from accounts.lock_counts import Episode, month_of, write_count, write_ended
from edge.clock import Clock, to_epoch

MAX_CHECKS_PER_NAME = 5
MAX_CHECKS_PER_ADDRESS = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Attempt:
    """The outcome of `Lockout.reserve`: a reserved check (`ticket`), or a refusal for `wait` seconds."""

    ticket: int | None
    wait: float = 0.0
    locked: str = ""  # "name:<user name>" or "address:<ip>" while refused
    new_episode: bool = False  # the first refusal of this lock: worth an audit entry

    @property
    def allowed(self) -> bool:
        return self.ticket is not None


class Lockout:
    def __init__(
        self, conn: sqlite3.Connection, clock: Clock, window: timedelta = timedelta(minutes=LOCK_MINUTES)
    ):
        self.conn = conn
        self.clock = clock
        self.window = window.total_seconds()

    def reserve(self, username: str, ip: str) -> Attempt:
        """Reserve one password check for `username` from `ip`, or count a refusal if either is locked."""
        now = to_epoch(self.clock.now())
        since = now - self.window
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            name_ends = self._lock_end("username = ?", username, since, MAX_CHECKS_PER_NAME)
            address_ends = self._lock_end("ip = ?", ip, since, MAX_CHECKS_PER_ADDRESS)
            if name_ends or address_ends:
                key = f"name:{username}" if name_ends else f"address:{ip}"
                until = max(name_ends, address_ends)
                new = self._refused(key, now, until)
                return Attempt(None, wait=max(0.0, until - now), locked=key, new_episode=new)
            cursor = self.conn.execute(
                "INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)", (username, ip, now)
            )
            self.conn.execute("DELETE FROM login_failures WHERE at < ?", (now - 2 * self.window,))
        return Attempt(cursor.lastrowid)

    def _lock_end(self, where: str, value: str, since: float, limit: int) -> float:
        """When the checks matching `where` fall below `limit` again; 0 if they are below it now."""
        rows = self.conn.execute(
            f"SELECT at FROM login_failures WHERE {where} AND at > ? ORDER BY at DESC LIMIT ?",
            (value, since, limit),
        ).fetchall()
        return rows[-1]["at"] + self.window if len(rows) >= limit else 0.0

    def _refused(self, key: str, now: float, until: float) -> bool:
        """Count a refusal in the episode of `key`; True if it opened the episode. A refusal in another
        month than the episode's count so far writes that count to the audit log and starts anew."""
        row = self.conn.execute("SELECT started, refused FROM login_locks WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.conn.execute("INSERT INTO login_locks (key, started, until, refused) VALUES (?, ?, ?, 1)",
                              (key, now, until))
            return True
        if month_of(row["started"]) != month_of(now):
            write_count(self.conn, self.clock, Episode(key, row["started"], row["refused"]),
                        AuditAction.LOGIN_REFUSALS)
            self.conn.execute(
                "UPDATE login_locks SET started = ?, refused = 1, until = ? WHERE key = ?", (now, until, key)
            )
            return False
        self.conn.execute(
            "UPDATE login_locks SET refused = refused + 1, until = ? WHERE key = ?", (until, key)
        )
        return False

    def succeeded(self, attempt: Attempt, username: str, ip: str) -> None:
        """The password was right: the check and this user's earlier failures from `ip` no longer count."""
        with self.conn:
            self.conn.execute("DELETE FROM login_failures WHERE rowid = ?", (attempt.ticket,))
            self.conn.execute("DELETE FROM login_failures WHERE username = ? AND ip = ?", (username, ip))

    def end_episodes(self) -> list[Episode]:
        """Locks that are over, their counts written to the audit log (accounts.lock_counts)."""
        return write_ended(self.conn, self.clock)
