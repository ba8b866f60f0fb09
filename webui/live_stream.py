"""The live view's byte stream: the init segment and then each new fragment of the segment file the
recorder is writing for a camera, following it into the next segment file when the recorder cuts one.

Runs on one of the web server's stream threads for as long as the viewer watches; it ends when the
camera stops producing (so a dead camera does not hold a thread), after MAX_SECONDS (the page
reconnects), when the viewer may no longer watch (signed out, account disabled, new password, session
lifetime over: checked every CHECK_SECONDS), or when the browser goes away (the server closes the
generator on the next write).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from edge.clock import Clock
from webui.fmp4 import fragments_from, init_segment, last_fragment_offset

log = logging.getLogger(__name__)
POLL_SECONDS = 0.1
LOOKUP_SECONDS = 1.0  # how often to ask the catalog whether the recorder started a new segment file
IDLE_SECONDS = 15.0
MAX_SECONDS = 30 * 60
CHECK_SECONDS = 2.0


def _new_fragments(path: Path, offset: int) -> tuple[list[bytes], int]:
    """The complete fragments of `path` after `offset` (read into memory: ~0.5 MB per 2 s fragment)."""
    try:
        ranges, end = fragments_from(path, offset)
        with path.open("rb") as handle:
            chunks = []
            for start, stop in ranges:
                handle.seek(start)
                chunks.append(handle.read(stop - start))
        return chunks, end
    except FileNotFoundError:  # deleted by retention under our feet: the next lookup finds a newer file
        return [], offset


class Follower:
    """Where one viewer is in one camera's newest file: `step()` returns the fMP4 bytes that are new
    since the last step (the init segment and the newest fragment first, then every new fragment,
    across the files the recorder cuts). Never sleeps, so one thread can follow several cameras."""

    def __init__(self, current_file: Callable[[], Path | None], clock: Clock):
        self.current_file = current_file
        self.clock = clock
        self.path: Path | None = None
        self.offset = 0
        self.last_data = clock.monotonic()
        self.last_lookup = float("-inf")

    def step(self) -> list[bytes]:
        out: list[bytes] = []
        newest = self.path
        if self.clock.monotonic() - self.last_lookup >= LOOKUP_SECONDS:
            newest, self.last_lookup = self.current_file(), self.clock.monotonic()
        if newest is not None and newest != self.path:
            init = init_segment_of(newest)
            if init is not None:
                if self.path is not None:
                    out += _new_fragments(self.path, self.offset)[0]  # the old file's last fragments first
                # the first file of a stream starts at its newest fragment (live at once); a following
                # file starts right after its own init segment
                self.offset = last_fragment_offset(newest) if self.path is None else len(init)
                self.path = newest
                out.append(init)
        if self.path is not None:
            chunks, self.offset = _new_fragments(self.path, self.offset)
            out += chunks
        if out:
            self.last_data = self.clock.monotonic()
        return out

    def idle(self) -> bool:
        """Nothing new for IDLE_SECONDS: the camera (or its sub-stream) stopped."""
        return self.clock.monotonic() - self.last_data > IDLE_SECONDS


def init_segment_of(path: Path) -> bytes | None:
    try:
        return init_segment(path)
    except FileNotFoundError:  # deleted between the lookup and now
        return None


def follow(
    current_file: Callable[[], Path | None], clock: Clock, allowed: Callable[[], bool] = lambda: True
) -> Iterator[bytes]:
    """Yield fMP4 bytes: init + newest fragment of the current file, then every new fragment, while
    `allowed()` (the viewer's session still stands)."""
    started = clock.monotonic()
    follower = Follower(current_file, clock)
    last_check = float("-inf")
    while clock.monotonic() - started < MAX_SECONDS:
        if clock.monotonic() - last_check >= CHECK_SECONDS:
            if not allowed():
                log.info("live stream ended: the viewer's session ended")
                return
            last_check = clock.monotonic()
        yield from follower.step()
        if follower.idle():
            log.info("live stream idle for %.0f s: ending it", IDLE_SECONDS)
            return
        time.sleep(POLL_SECONDS)
