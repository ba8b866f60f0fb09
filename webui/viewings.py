"""Viewings: one audit entry per viewing of plate data, not one per request.

A browser fetches a video segment in many byte ranges, the live grid fetches each camera's picture
every second, and a list of search results fetches a plate picture per row. An entry per request would
bury the log; none at all (what ranges not starting at byte 0 used to get) loses the read. So the web
process remembers, per session, what it already has an entry for: the first request of a viewing writes
the entry, later ones within `idle` seconds of the previous belong to it. A viewing of live pictures also
gets an end entry with its duration once nobody fetched for `idle` seconds (webui.audit_keeper closes
it). A restart forgets everything: the next request writes a new entry (more entries, never fewer).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.cases import Case
from edge.clock import Clock

MAX_OPEN = 50_000  # viewings remembered at most; past that, the oldest are forgotten (more entries)


@dataclass
class Viewing:
    """One person's viewing of one thing: who, from where, since when, and its start entry."""

    actor: str
    ip: str
    target: str
    detail: dict[str, Any]
    started: datetime
    started_mono: float
    idle: float
    ends: bool = False  # an end entry is written when the viewing closes
    case: Case | None = None  # the session's case, which the end entry carries like the start entry
    last: float = 0.0
    entry_id: int | None = None

    def seconds(self) -> float:
        return round(self.last - self.started_mono, 1)


class Viewings:
    """The viewings open in this web process, keyed by (session, what is viewed); thread-safe."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._open: dict[Hashable, Viewing] = {}
        self._lock = threading.Lock()

    def claim(self, key: Hashable, viewing: Viewing) -> bool:
        """True when `viewing` starts now (the caller writes its entry); False when the request belongs
        to a viewing already open for `key` (which is extended)."""
        now = self.clock.monotonic()
        with self._lock:
            current = self._open.get(key)
            if current is not None and now - current.last <= current.idle:
                current.last = now
                return False
            if len(self._open) >= MAX_OPEN:
                self._forget_oldest()
            viewing.last = now
            self._open[key] = viewing
            return True

    def cover(self, keys: Iterable[Hashable], viewing: Viewing) -> None:
        """Mark `keys` as viewed under an entry just written (a sighting page covers its pictures, a
        search its result list's plate pictures), without an entry of their own."""
        now = self.clock.monotonic()
        with self._lock:
            for key in keys:
                current = self._open.get(key)
                if current is not None and now - current.last <= current.idle:
                    current.last = now
                else:
                    self._open[key] = Viewing(**{**viewing.__dict__, "last": now})

    def forget(self, key: Hashable) -> None:
        """Drop `key` (its start entry could not be written: the next request tries again)."""
        with self._lock:
            self._open.pop(key, None)

    def close_idle(self, everything: bool = False) -> list[Viewing]:
        """Close viewings idle for longer than their `idle` (all of them with `everything`); returns
        those that want an end entry."""
        now = self.clock.monotonic()
        with self._lock:
            done = [k for k, v in self._open.items() if everything or now - v.last > v.idle]
            closed = [self._open.pop(k) for k in done]
        return [v for v in closed if v.ends]

    def __len__(self) -> int:
        return len(self._open)

    def _forget_oldest(self) -> None:
        oldest = sorted(self._open, key=lambda k: self._open[k].last)[: MAX_OPEN // 10]
        for key in oldest:
            del self._open[key]
