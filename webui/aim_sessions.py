"""The web UI's aiming sessions: one plate_index.aim.AimSession at a time, run in a thread of `dozor web`.

One at a time because a session loads the plate models and decodes a camera's stream at full size: a
Raspberry Pi has the CPU for one next to the daemon, and two installers aiming two cameras at once
would each get half-truths. A session ends on its own after its minutes; starting another one while it
runs is refused with who runs it and until when. Viewers are remembered per session, so that each
admin who sees its live plates is audited once per session, however often the picture refreshes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from edge.config import CameraConfig, Config
from plate_index.aim import AimSession

MAX_MINUTES = 30


@dataclass
class RunningAim:
    session: AimSession
    started_by: str
    thread: threading.Thread
    viewers: set[str] = field(default_factory=set)


class AimBusy(Exception):
    """Another aiming session runs; the page shows this message instead of starting one."""

    def __init__(self, running: RunningAim):
        super().__init__(running.session.camera.name)
        self.running = running


class AimSessions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: RunningAim | None = None

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
            return self._current

    def of(self, camera: str) -> RunningAim | None:
        """The latest session of `camera` (running or finished), if it is the latest session at all."""
        with self._lock:
            current = self._current
        return current if current is not None and current.session.camera.name == camera else None

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
