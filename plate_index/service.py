"""LprService: plate reading as one object the daemon's supervisor owns (start, stop, health).

In the daemon process it runs only light threads: per worker a chooser that hands it the frames worth
reading (plate_index/chooser.py), fed by the cameras' frame taps with the frames their motion gates
found moving, at most `lpr.sample_fps` a second (plate_index/feed.py: the tap asks the gate, and decodes
only keyframes while the road is still, recorder/tap_decoder.py); a camera always goes to the same
worker, so grouping sees all its reads; a monitor that restarts dead or hung workers and writes the
counters to plates.db every few seconds. The models run in the worker processes (plate_index.worker). Missing
models: one error in the log, no workers, recording untouched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from edge.clock import Clock, SystemClock, to_epoch
from edge.config import Config
from edge.layout import DataLayout
from plate_index.chooser import IN_FLIGHT, FrameChooser
from plate_index.feed import CameraFeed
from plate_index.motion import MotionGate
from plate_index.status import CameraCounters

if TYPE_CHECKING:
    from plate_index.lpr_stream import LprStream
    from plate_index.pool import WorkerHandle
    from plate_index.slots import FrameSlots
    from recorder.frames import FrameSubscription

log = logging.getLogger(__name__)

STATUS_SECONDS = 5.0
# Frames a worker may have waiting or in hand: the chooser keeps IN_FLIGHT there and makes every other
# choice as late as it can; each slot pins ~1.4 MB of shared memory per 720p frame (4:2:0), mapped in
# both processes (48 full-colour slots at 24 cameras were ~130 MB of the soak's memory).
SLOTS_PER_WORKER = IN_FLIGHT


class FrameSource(Protocol):
    """What a feeder needs from recorder.frame_tap.FrameTap (or a test's clip player)."""

    def subscribe(
        self, fps: float, *, queue_size: int = 2, name: str = "", motion: Any = None, deliver: Any = None
    ) -> FrameSubscription: ...


class LprService:
    name = "plate reading"

    def __init__(
        self, config: Config, taps: Mapping[str, FrameSource], *, clock: Clock | None = None,
        log_level: str | None = None,
    ):
        self.config = config
        self.layout = DataLayout(config.storage.path)
        self.clock = clock or SystemClock()
        self.log_level = log_level or logging.getLevelName(logging.getLogger().getEffectiveLevel())
        self.cameras = [
            c.name for c in config.cameras
            if c.enabled and c.lpr and config.lpr.enabled and (c.name in taps or c.lpr_url)
        ]
        self.taps = taps
        self.workers: list[WorkerHandle] = []
        self.counters: dict[str, CameraCounters] = {}
        self.disabled_reason = ""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._subscriptions: list[FrameSubscription] = []
        self._slots: list[FrameSlots] = []
        self._streams: list[LprStream] = []
        self._choosers: list[FrameChooser] = []
        self._gates: dict[str, MotionGate] = {}

    def start(self) -> None:
        """Start workers and feeders; never raises for a plate-reading problem (it is logged)."""
        if not self.cameras:
            log.info("plate reading: no camera has lpr = true (or lpr.enabled = false)")
            return
        from plate_index.models import ModelMissing, find_models

        since = to_epoch(self.clock.now())
        count = min(self.config.lpr.workers, len(self.cameras))
        for i, camera in enumerate(self.cameras):
            self.counters[camera] = CameraCounters(camera=camera, worker=i % count, since=since)
        try:
            find_models(self.config.lpr.effective_model_dir())
        except ModelMissing as exc:
            self._disable(str(exc))
            return
        self._start_workers(count)
        for chooser in self._choosers:
            chooser.start()
        for camera in self.cameras:
            index = self.counters[camera].worker
            gate = self._gates[camera] = MotionGate(self.config.camera(camera).motion)
            feed = CameraFeed(camera, gate, self._choosers[index], self.workers[index])
            subscription = self._tap(camera).subscribe(
                self.config.lpr.sample_fps, name="lpr", motion=feed, deliver=feed.deliver
            )
            self._subscriptions.append(subscription)
        self._thread("lpr-monitor", self._monitor)
        log.info("plate reading started: %d camera(s), %d worker(s)", len(self.cameras), count)

    def stop(self) -> None:
        """Stop feeding, let workers finish their open sightings, write the last counters."""
        self._stop.set()
        for subscription in self._subscriptions:
            subscription.close()
        for stream in self._streams:
            stream.stop()
        for thread in self._threads:
            thread.join(timeout=5)
        for chooser in self._choosers:
            chooser.stop()
        for worker in self.workers:
            worker.stop()
        self._count_still_frames()
        for slots in self._slots:
            slots.close()
        self._write_status()

    @property
    def health(self) -> dict[str, Any]:
        """A snapshot for `dozor status`, the admin page and the supervisor's log."""
        return {
            "enabled": bool(self.cameras) and not self.disabled_reason,
            "disabled_reason": self.disabled_reason,
            "workers": [
                {"index": w.spec.index, "pid": w.pid, "state": w.state, "restarts": w.restarts,
                 "ready": w.ready}
                for w in self.workers
            ],
            "cameras": {name: vars(c).copy() for name, c in self.counters.items()},
        }

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.pid is not None]

    def _tap(self, camera: str) -> FrameSource:
        """The recorder's tap of the camera, or a tap of its own `lpr_url` connection."""
        settings = self.config.camera(camera)
        if not settings.lpr_url:
            return self.taps[camera]
        from plate_index.lpr_stream import LprStream

        stream = LprStream(settings, self.config.recorder)
        stream.start()
        self._streams.append(stream)
        return stream.tap

    def _start_workers(self, count: int) -> None:
        from plate_index.pool import WorkerHandle
        from plate_index.slots import FrameSlots
        from plate_index.store import last_sighting_id, open_store
        from plate_index.worker import WorkerSpec

        conn = open_store(self.layout.plates_db)
        try:
            first_sighting_id = last_sighting_id(conn)  # above it: this run's, which follow clock steps
        finally:
            conn.close()
        for index in range(count):
            mine = {name: c for name, c in self.counters.items() if c.worker == index}
            slots = FrameSlots(SLOTS_PER_WORKER)
            self._slots.append(slots)
            spec = WorkerSpec(index, self.config.lpr, self.layout, slots.name, slots.count, self.log_level,
                              first_sighting_id)
            worker = WorkerHandle(spec, mine, slots)
            spare = {name: self.config.camera(name).motion.enabled for name in mine}
            chooser = FrameChooser(worker, mine, spare)
            worker.on_done, worker.on_restart = chooser.done, chooser.worker_restarted
            self._choosers.append(chooser)
            worker.start()
            self.workers.append(worker)

    def _count_still_frames(self) -> None:
        for camera, gate in self._gates.items():
            self.counters[camera].frames_skipped_motion = gate.still

    def _monitor(self) -> None:
        ticks = 0
        while not self._stop.wait(1.0):
            for worker in self.workers:
                worker.check()
            ticks += 1
            if ticks % int(STATUS_SECONDS) == 0:
                self._count_still_frames()
                self._write_status()

    def _write_status(self) -> None:
        if not self.counters:
            return
        from plate_index.status import write_status
        from plate_index.store import open_store

        try:
            conn = open_store(self.layout.plates_db)
            try:
                write_status(conn, list(self.counters.values()), to_epoch(self.clock.now()))
            finally:
                conn.close()
        except Exception as exc:  # the counters are a nicety; never let them disturb the daemon
            log.warning("could not write plate-reading counters: %s", exc)

    def _disable(self, reason: str) -> None:
        self.disabled_reason = reason
        log.error("plate reading is off, recording goes on: %s", reason)
        for counters in self.counters.values():
            counters.state, counters.last_error = "disabled", reason
        self._write_status()

    def _thread(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

