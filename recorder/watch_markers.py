"""Which cameras someone is watching right now, for the threads that only work then.

The web UI (another process) touches a marker file while it shows a camera: `<camera>.watched` for the
live pictures (recorder.live_snapshots), `<camera>.sub.watched` for the sub-stream relays
(recorder.live_relay). One thread here looks at every marker once a second and keeps a `threading.Event`
per marker set while the marker is fresh, so a thread with nothing to do blocks on its event instead of
waking to look for itself. That matters at this scale: with eight cameras and nobody watching, eight
threads each waking once a second to stat their marker cost about 5 % of what recording the eight
cameras costs (bench/record_cpu.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
AHEAD_SECONDS = 1.0  # a touch between reading the clock and the stat; more is a wall-clock step back


@dataclass(frozen=True)
class _Marker:
    path: str  # os.stat on a str: no pathlib work once a second per camera
    fresh_seconds: float
    event: threading.Event


def fresh(marker: str | Path, fresh_seconds: float, now: float) -> bool:
    """The marker was touched in the last `fresh_seconds` (now: epoch seconds). One touched "in the
    future" was touched before the wall clock stepped back: not fresh, or the camera would count as watched
    for as long as the step (the web UI touches it again within seconds while someone does watch)."""
    try:
        return -AHEAD_SECONDS < now - os.stat(marker).st_mtime < fresh_seconds
    except OSError:
        return False


def touch(marker: Path) -> None:
    """The web UI's side: someone is watching now. A marker that cannot be touched (a full disk) costs the
    grid its refresh (it keeps the picture it has, with its age, or falls back to pictures), nothing else."""
    try:
        marker.touch()
    except OSError as exc:
        log.debug("cannot touch the watch marker %s: %s", marker, exc)


class WatchMarkers:
    """`event(path, seconds)` for each marker, then `start()`; `stop()` ends the thread and sets every
    event, so a thread blocked on one wakes up and finds its own stop flag."""

    def __init__(self, poll_seconds: float = POLL_SECONDS):
        self.poll_seconds = poll_seconds
        self._markers: list[_Marker] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def event(self, marker: Path, fresh_seconds: float) -> threading.Event:
        """An event that is set while `marker` has been touched in the last `fresh_seconds`."""
        entry = _Marker(str(marker), fresh_seconds, threading.Event())
        if fresh(marker, fresh_seconds, time.time()):
            entry.event.set()
        self._markers.append(entry)
        return entry.event

    def start(self) -> None:
        if self._thread is not None or not self._markers:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="watch-markers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)  # before the events are set: its last look would clear them again
            self._thread = None
        for marker in self._markers:
            marker.event.set()

    def look(self) -> None:
        """Set or clear each marker's event from its file, now."""
        now = time.time()
        for marker in self._markers:
            if fresh(marker.path, marker.fresh_seconds, now):
                marker.event.set()
            else:
                marker.event.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.look()
            except Exception:  # noqa: BLE001 - a bug here must cost live pictures, never recording
                log.exception("cannot look at the live grid's watch markers")
            self._stop.wait(self.poll_seconds)
