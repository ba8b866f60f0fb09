"""One LPR worker process seen from the daemon: its slots, queues, heartbeat, counters and restarts.

`submit` is what the worker's frame chooser (plate_index/chooser.py) calls for each frame it picks: it
never blocks (a frame finds a free slot or is dropped and counted); `on_done` tells the chooser how each
frame read, so the chooser decides which frames get the slots.
`check` is called every second by the service: a worker that died or stopped beating is killed and
started again, with backoff (1 s doubling to 60 s, reset after a minute of good health), on fresh queues
and with every slot free, so nothing it left half-done can wedge the daemon. A worker that reports
missing models is not restarted: plate reading stays off, recording goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from edge.backoff import Backoff
from plate_index.slots import FrameSlots
from plate_index.status import CameraCounters
from plate_index.worker import ClockShift, Task, WorkerSpec, run

log = logging.getLogger(__name__)

HANG_SECONDS = 20.0  # no heartbeat for this long once ready = hung (a frame takes ~0.1 s)
LOAD_SECONDS = 300.0  # model loading (or a first hub download) may take this long
BACKOFF_FIRST, BACKOFF_MAX, HEALTHY_AFTER = 1.0, 60.0, 60.0


class WorkerHandle:
    def __init__(self, spec: WorkerSpec, counters: dict[str, CameraCounters], slots: FrameSlots):
        self.spec = spec
        self.counters = counters  # the cameras routed to this worker
        self.slots = slots
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._free: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._tags: dict[int, int] = {}  # slot -> the submitter's tag of the frame in it
        self.on_done: Callable[[str, int, float], None] = lambda camera, tag, confidence: None
        self.on_restart: Callable[[], None] = lambda: None
        self._process: Any = None
        self._tasks: Any = None
        self._results: Any = None
        self._heartbeat = self._ctx.Value("d", 0.0, lock=False)
        self.state = "stopped"
        self.ready = False
        self.restarts = 0
        self.fatal = ""
        self._started_at = 0.0
        self._backoff = Backoff(BACKOFF_FIRST, BACKOFF_MAX)
        self._retry_at = 0.0
        self._stopping = False
        self._collector = threading.Thread(
            target=self._collect, name=f"lpr-results-{spec.index}", daemon=True
        )

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        with self._lock:
            self._spawn()
        self._collector.start()

    def submit(
        self, camera: str, frame_time: float, seq: int, pixels: np.ndarray, clock_shift: float = 0.0,
        tag: int = 0,
    ) -> bool:
        """Hand a frame (BGR, or 4:2:0 planes: FrameSlots.write) to the worker; False (and counted as
        dropped) when no slot is free. `tag` comes back with `on_done`."""
        with self._lock:
            if self.state != "running":
                self.counters[camera].frames_dropped += 1
                return False
            try:
                slot = self._free.get_nowait()
            except queue.Empty:
                self.counters[camera].frames_dropped += 1
                return False
            shape = self.slots.write(slot, pixels)
            self._tasks.put(Task(slot, camera, frame_time, seq, shape, clock_shift))
            self._tags[slot] = tag
            return True

    def follow_clock(self, camera: str, clock_shift: float) -> None:
        """Tell the worker the camera's frames now carry this clock shift (it moves the sightings)."""
        with self._lock:
            if self.state == "running":
                self._tasks.put(ClockShift(camera, clock_shift))

    def check(self) -> None:
        """Restart the worker if it died or hangs (called by the service every second)."""
        with self._lock:
            if self._stopping or self.fatal:
                return
            now = time.monotonic()
            if self.state == "restarting":
                if now >= self._retry_at:
                    self._spawn()
                return
            alive = self._process.is_alive()
            beat_age = now - self._heartbeat.value
            hung = beat_age > (HANG_SECONDS if self.ready else LOAD_SECONDS)
            if alive and not hung:
                if now - self._started_at > HEALTHY_AFTER:
                    self._backoff.reset()
                return
            why = f"exit code {self._process.exitcode}" if not alive else f"no heartbeat for {beat_age:.0f} s"
            wait = self._backoff.next()
            log.error("LPR worker %d stopped (%s); restarting in %.0f s", self.spec.index, why, wait)
            self._kill()
            self.restarts += 1
            for counters in self.counters.values():
                counters.worker_restarts += 1
                counters.last_error = f"worker restarted: {why}"
            self._set_state("restarting")
            self._retry_at = now + wait

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the worker to finish its open sightings and exit; kill it if it does not."""
        with self._lock:
            self._stopping = True
            process, tasks = self._process, self._tasks
        if process is not None and process.is_alive():
            tasks.put(None)
            process.join(timeout)
        with self._lock:
            self._kill()
            self._set_state("stopped")
        self._collector.join(timeout=2)

    def _spawn(self) -> None:
        self._tasks, self._results = self._ctx.Queue(), self._ctx.Queue()
        self._free = queue.SimpleQueue()
        self._tags = {}
        for slot in range(self.slots.count):
            self._free.put(slot)
        self.ready = False
        self._heartbeat.value = time.monotonic()
        self._process = self._ctx.Process(
            target=run, args=(self.spec, self._tasks, self._results, self._heartbeat),
            name=f"dozor-lpr{self.spec.index}", daemon=True,
        )
        self._process.start()
        self._started_at = time.monotonic()
        self._set_state("running")
        self.on_restart()

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)
        for q in (self._tasks, self._results):
            if q is not None:
                q.cancel_join_thread()  # never wait to flush a queue into a dead process

    def _set_state(self, state: str) -> None:
        self.state = state
        for counters in self.counters.values():
            counters.state = "disabled" if self.fatal else state

    def _collect(self) -> None:
        """Results from the worker: slots to free, counters, readiness, a fatal model error."""
        while True:
            results = self._results
            try:
                message = results.get(timeout=0.5)
            except (queue.Empty, EOFError, OSError, ValueError):
                if self._stopping and self.state == "stopped":
                    return
                continue
            kind = message[0]
            if kind == "done":
                _, slot, camera, reads, confidence = message
                with self._lock:
                    current = results is self._results  # not a leftover from before a restart
                    if current:
                        self._free.put(slot)
                    tag = self._tags.pop(slot, 0) if current else 0
                self.counters[camera].frames_analysed += 1
                self.counters[camera].reads += reads
                if current:
                    self.on_done(camera, tag, confidence)
            elif kind == "sighting":
                self.counters[message[1]].sightings += 1
            elif kind == "ready":
                self.ready = True
                log.info("LPR worker %d ready (pid %s)", self.spec.index, self.pid)
            elif kind == "fatal":
                with self._lock:
                    self.fatal = message[1]
                    self._set_state("disabled")
                    for counters in self.counters.values():
                        counters.last_error = message[1]
                log.error("plate reading is off, recording goes on: %s", message[1])
