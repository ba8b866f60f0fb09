"""Is the daemon still doing its job? The answer decides whether the supervisor sends systemd WATCHDOG=1.

A daemon that is running but no longer recording is worse than one that crashed: systemd restarts a
crashed one. So the supervisor pings the watchdog only while every camera's recording thread is alive
and has refreshed its status row in the catalog lately (the same rule that shows "recorder down" in the
web UI: recorder.catalog.STATUS_STALE_SECONDS). A camera that is merely offline still refreshes its row
(the thread keeps retrying), so an unplugged camera never restarts the daemon; a thread that hangs does,
since Python cannot kill a stuck thread and a process restart costs the other cameras only seconds.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from edge.clock import Clock
from edge.layout import DataLayout
from health.cameras import availability

log = logging.getLogger(__name__)


class Liveness:
    def __init__(self, cameras: Mapping[str, Any], layout: DataLayout, clock: Clock):
        """`cameras`: name -> the recorder's camera object (anything with `is_alive()`)."""
        self.cameras = cameras
        self.layout = layout
        self.clock = clock
        self.started = clock.now()
        self._conn: sqlite3.Connection | None = None

    def problems(self) -> list[str]:
        """What is wrong, one short phrase each; [] = healthy."""
        from recorder.catalog import camera_statuses

        out = [f"{name}: recording thread ended" for name, cam in self.cameras.items() if not cam.is_alive()]
        now = self.clock.now()
        try:
            statuses = camera_statuses(self._catalog())
        except sqlite3.Error as exc:
            return [*out, f"catalog unreadable ({exc})"]
        from recorder.catalog import STATUS_STALE_SECONDS

        for name in self.cameras:
            status = statuses.get(name)
            if status is not None and status.is_stale(now):
                out.append(f"{name}: no status for {(now - status.updated).total_seconds():.0f} s")
            elif status is None and (now - self.started).total_seconds() > STATUS_STALE_SECONDS:
                out.append(f"{name}: no status since start-up")
        return out

    def summary(self) -> str:
        """A one-line state for systemd's STATUS= (shown by `systemctl status dozor`)."""
        from recorder.catalog import camera_statuses

        try:
            statuses = camera_statuses(self._catalog())
        except sqlite3.Error:
            return "recording; catalog unreadable"
        now = self.clock.now()
        offline = sorted(
            name for name in self.cameras if not availability(True, statuses.get(name), now).online
        )
        text = f"{len(self.cameras) - len(offline)} of {len(self.cameras)} camera(s) online"
        return text + (f"; offline: {', '.join(offline)}" if offline else "")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _catalog(self) -> sqlite3.Connection:
        if self._conn is None:
            from recorder.catalog import open_catalog

            self._conn = open_catalog(self.layout, readonly=True)
        return self._conn
