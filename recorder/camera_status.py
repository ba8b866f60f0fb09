"""Live status of one camera (online/offline since when and why, fps, kbit/s), published to the catalog.

The camera's recorder thread counts packets in its own locals and hands them over with `count`, then
calls `tick` every few seconds, which turns the counts into rates and writes the `camera_status` row
that `dozor cameras` and the web UI read. A row that stops being refreshed means the recorder is down.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from edge.clock import Clock, from_epoch
from recorder.catalog import CameraStatus, Catalog
from recorder.reasons import OutageReason, Reason

log = logging.getLogger(__name__)


class StatusTracker:
    def __init__(self, camera: str, catalog: Catalog, clock: Clock, tap_drops: Callable[[], int]):
        self.camera = camera
        self.catalog = catalog
        self.clock = clock
        self.tap_drops = tap_drops
        self.frames = 0  # video packets since the last tick
        self.bytes = 0  # bytes (video and audio) since the last tick
        self.last_packet: float | None = None  # wall epoch of the latest video packet
        self._state = "offline"
        self._since = clock.now()
        self._reason: Reason | None = Reason(OutageReason.STARTING)
        self._last_tick = clock.monotonic()
        self._fps = 0.0
        self._kbps = 0.0

    @property
    def state(self) -> str:
        return self._state

    @property
    def reason(self) -> Reason | None:
        """Why the camera is offline; None while it is online."""
        return self._reason

    def online(self, at: datetime) -> None:
        if self._state != "online":
            self._state, self._since, self._reason = "online", at, None
            self.publish()

    def offline(self, at: datetime, reason: Reason) -> None:
        changed = self._state != "offline" or self._reason != reason
        if self._state != "offline":
            self._since = at
        self._state, self._reason = "offline", reason
        if changed:
            self.publish()

    def shift(self, seconds: float) -> None:
        """The wall clock stepped: the times kept here follow it (recorder.camera_recorder)."""
        self._since += timedelta(seconds=seconds)
        if self.last_packet is not None:
            self.last_packet += seconds

    def count(self, frames: int, size: int, last_packet: float | None) -> None:
        """Add what the recorder thread counted since its last tick (it counts in locals: cheaper)."""
        self.frames += frames
        self.bytes += size
        if last_packet is not None:
            self.last_packet = last_packet

    def tick_if_due(self, every: float) -> None:
        if self.clock.monotonic() - self._last_tick >= every:
            self.tick()

    def tick(self) -> None:
        """Turn the counts since the last tick into rates and publish them."""
        now = self.clock.monotonic()
        elapsed = max(now - self._last_tick, 1e-3)
        self._fps = self.frames / elapsed
        self._kbps = self.bytes * 8 / 1000 / elapsed
        self.frames = self.bytes = 0
        self._last_tick = now
        self.publish()

    def snapshot(self) -> CameraStatus:
        online = self._state == "online"
        return CameraStatus(
            camera=self.camera, state=self._state, since=self._since, reason=self._reason,
            fps=round(self._fps, 2) if online else 0.0, kbps=round(self._kbps, 1) if online else 0.0,
            last_packet=from_epoch(self.last_packet) if self.last_packet is not None else None,
            tap_drops=self.tap_drops(), updated=self.clock.now(),
        )

    def publish(self) -> None:
        try:
            self.catalog.set_status(self.snapshot())
        except sqlite3.Error as exc:  # a full disk must not stop recording; the next tick retries
            log.warning("%s: cannot write camera status: %s", self.camera, exc)
