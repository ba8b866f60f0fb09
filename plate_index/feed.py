"""One camera's way into plate reading, in the daemon: what its frame tap asks and where moving frames go.

The frame tap (recorder/tap_decoder.py) asks the camera's motion gate about frames (`differs`, `look`)
and hands it the moving ones (`deliver`), all from the camera's own tap thread; `CameraFeed` answers
with the gate and passes the frames straight to the worker's chooser (plate_index/chooser.py), which
keeps only the best frame of each pass: no queue of decoded pictures, no thread per camera. It also
tells the worker when the frames' clock shift changes (the wall clock stepped and the recorder moved the
run's video): the tap looks at a still road's keyframes too, so the camera's stored sightings follow a
step within a GOP even when nothing moves.
"""

from __future__ import annotations

import logging
from typing import Protocol

from plate_index.motion import MotionGate
from recorder.frames import Frame

log = logging.getLogger(__name__)


class FrameTaker(Protocol):
    """Where moving frames go: the worker's chooser (plate_index.chooser.FrameChooser)."""

    def offer(self, camera: str, frame: Frame) -> None: ...


class ClockFollower(Protocol):
    """Who moves a camera's stored sightings when its clock shift changes: the worker's handle."""

    def follow_clock(self, camera: str, clock_shift: float) -> None: ...


class CameraFeed:
    def __init__(self, camera: str, gate: MotionGate, chooser: FrameTaker, worker: ClockFollower):
        self.camera = camera
        self.gate = gate
        self.chooser = chooser
        self.worker = worker
        self.clock_shift = 0.0
        self._failed = False

    def differs(self, frame: Frame) -> bool:
        return self.gate.differs(frame)

    def look(self, frame: Frame) -> float:
        self._follow(frame)
        return self.gate.look(frame)

    def deliver(self, frame: Frame) -> None:
        try:
            self._follow(frame)
            self.chooser.offer(self.camera, frame)
        except Exception:  # a bad frame must not end this camera's plate reading (logged once)
            if not self._failed:
                log.exception("plate reading: could not handle a frame of camera %s", self.camera)
            self._failed = True

    def _follow(self, frame: Frame) -> None:
        if frame.clock_shift != self.clock_shift:
            self.clock_shift = frame.clock_shift
            self.worker.follow_clock(self.camera, self.clock_shift)
