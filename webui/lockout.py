"""Brute-force protection for the login form: 5 failures for one user name from one address lock that
pair for 15 minutes.

Per user+IP (not per user) so an attacker on the LAN cannot lock a police officer out of their own
account from another machine. Failures are kept in web.db, so restarting the web process does not
reset the count.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from edge.clock import Clock, to_epoch

MAX_FAILURES = 5
LOCK_MINUTES = 15


class Lockout:
    def __init__(
        self,
        conn: sqlite3.Connection,
        clock: Clock,
        max_failures: int = MAX_FAILURES,
        lock: timedelta = timedelta(minutes=LOCK_MINUTES),
    ):
        self.conn = conn
        self.clock = clock
        self.max_failures = max_failures
        self.lock_seconds = lock.total_seconds()

    def _recent(self, username: str, ip: str) -> list[float]:
        since = to_epoch(self.clock.now()) - self.lock_seconds
        rows = self.conn.execute(
            "SELECT at FROM login_failures WHERE username = ? AND ip = ? AND at > ? ORDER BY at",
            (username, ip, since),
        )
        return [r["at"] for r in rows]

    def locked_for(self, username: str, ip: str) -> float:
        """Seconds until this user+address may try again; 0 when not locked."""
        recent = self._recent(username, ip)
        if len(recent) < self.max_failures:
            return 0.0
        return max(0.0, recent[-1] + self.lock_seconds - to_epoch(self.clock.now()))

    def failed(self, username: str, ip: str) -> None:
        now = to_epoch(self.clock.now())
        with self.conn:
            self.conn.execute(
                "INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)", (username, ip, now)
            )
            self.conn.execute("DELETE FROM login_failures WHERE at < ?", (now - 2 * self.lock_seconds,))

    def succeeded(self, username: str, ip: str) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM login_failures WHERE username = ? AND ip = ?", (username, ip))
