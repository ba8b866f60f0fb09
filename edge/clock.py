"""Time for the whole of Dozor: UTC inside, injectable in tests.

Recorder, retention, grouping and audit take a `Clock` instead of calling `datetime.now()`, so tests can
age data by days or jump the clock (an NTP step on a Pi without RTC) without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time, timezone-aware UTC."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary start; never jumps (for timeouts and rates)."""


class SystemClock:
    """The real clock. `monotonic` is `time.monotonic` itself, not a method wrapping it: the recorder reads
    it for every packet of every camera, and a Python frame per call showed in bench/record_cpu.py."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    monotonic = staticmethod(time.monotonic)


class ManualClock:
    """A clock tests move by hand; `advance` moves both wall and monotonic time, `jump` only the wall."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def jump(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


def utc_iso(moment: datetime) -> str:
    """ISO-8601 UTC with a Z and millisecond precision, the format of every stored and printed time."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def parse_utc(text: str) -> datetime:
    """Parse ISO-8601; a time without a zone is taken as UTC. ValueError for anything that is not a
    time from EARLIEST to LATEST: Dozor keeps epoch seconds, and a year 1 or 9999 is a typo whose
    arithmetic (a day before, an hour after) would overflow."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"{text!r} is not between {EARLIEST.year} and {LATEST.year}")
    return moment


def to_epoch(moment: datetime) -> float:
    """Seconds since the Unix epoch: how every time is stored in SQLite (REAL, UTC)."""
    return moment.timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# A duration in words, largest unit first; the web UI passes the same words translated.
AGE_WORDS = ("%(d)d d %(h)d h", "%(h)d h %(m)d min", "%(m)d min %(s)d s", "%(s)d s")


def age_text(seconds: float | None, words: Sequence[str] = AGE_WORDS, unknown: str = "-") -> str:
    """A retention horizon or an age the way people say it: "13 d 22 h", "5 h 3 min", "2 min 5 s",
    "42 s"; `words` are the four forms of AGE_WORDS in the reader's language."""
    if seconds is None:
        return unknown
    whole = max(0, int(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = {"d": days, "h": hours, "m": minutes, "s": secs}
    form = 0 if days else 1 if hours else 2 if minutes else 3
    return words[form] % parts
