"""The web UI's aiming sessions: one plate_index.aim.AimSession at a time, run in a thread of `dozor web`.

One at a time because a session loads the plate models and decodes a camera's stream at full size: a
Raspberry Pi has the CPU for one next to the daemon, and two installers aiming two cameras at once
would each get half-truths. A session ends on its own after its minutes; starting another one while it
runs is refused with who runs it and until when. Viewers are remembered per session, so that each
admin who sees its live plates is audited once per session, however often the picture refreshes.

A session nobody looks at ends early: the page asks for the figures and the picture every second
while it is open, so when no page has asked for ABANDONED_SECONDS, its page was closed (or its tab
left in the background long enough for the browser to slow its timers to once a minute) and the
session stops, giving back the camera's connection, the models and the CPU.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from edge.config import CameraConfig, Config
from plate_index.aim import AimSession

log = logging.getLogger(__name__)

MAX_MINUTES = 30
ABANDONED_SECONDS = 20.0  # no page asked about the session for this long: its page was closed


@dataclass
class RunningAim:
    session: AimSession
    started_by: str
    thread: threading.Thread
    viewers: set[str] = field(default_factory=set)
    asked: float = field(default_factory=time.monotonic)  # when a page last asked about it

    def asked_now(self) -> None:
        self.asked = time.monotonic()


class AimBusy(Exception):
    """Another aiming session runs; the page shows this message instead of starting one."""

    def __init__(self, running: RunningAim):
        super().__init__(running.session.camera.name)
        self.running = running


class AimSessions:
    def __init__(self, abandoned_after: float = ABANDONED_SECONDS) -> None:
        self._lock = threading.Lock()
        self._current: RunningAim | None = None
        self.abandoned_after = abandoned_after

    def start(self, camera: CameraConfig, config: Config, minutes: float, user: str) -> RunningAim:
        """Start aiming `camera`; AimBusy while another session still runs."""
        with self._lock:
            current = self._current
            if current is not None and not current.session.done and current.thread.is_alive():
                raise AimBusy(current)
            session = AimSession(camera, config, max(0.5, min(minutes, MAX_MINUTES)))
            thread = threading.Thread(target=_run, args=(session,), name=f"aim-{camera.name}", daemon=True)
            self._current = RunningAim(session, user, thread)
            thread.start()
            threading.Thread(target=self._end_when_abandoned, args=(self._current,), daemon=True,
                             name=f"aim-{camera.name}-watch").start()
            return self._current

    def of(self, camera: str) -> RunningAim | None:
        """The latest session of `camera` (running or finished), if it is the latest session at all."""
        with self._lock:
            current = self._current
        return current if current is not None and current.session.camera.name == camera else None

    def _end_when_abandoned(self, running: RunningAim) -> None:
        while running.thread.is_alive():
            running.thread.join(timeout=min(2.0, self.abandoned_after / 2))
            if running.thread.is_alive() and time.monotonic() - running.asked > self.abandoned_after:
                log.info("aiming %s: no page asked for %.0f s; ending the session",
                         running.session.camera.name, self.abandoned_after)
                running.session.stop()
                return

    def stop(self, camera: str) -> None:
        running = self.of(camera)
        if running is not None:
            running.session.stop()

    def first_view(self, running: RunningAim, user: str) -> bool:
        """True the first time `user` sees this session's plates (audit it then)."""
        with self._lock:
            if user in running.viewers:
                return False
            running.viewers.add(user)
            return True

    def forget_view(self, running: RunningAim, user: str) -> None:
        """`user`'s entry could not be written: the next picture tries again."""
        with self._lock:
            running.viewers.discard(user)


def _run(session: AimSession) -> None:
    """Run a session, then give its models' and pictures' memory back: `dozor web` lives on, under a
    memory cap (measured: 102 MB before a session, 257 MB during one on a 1280x720 camera, 196 MB after)."""
    import gc

    from edge.memory import give_back_free_memory

    try:
        session.run()
    finally:
        gc.collect()
        give_back_free_memory()
