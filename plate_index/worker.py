"""The LPR worker process: frames from shared-memory slots -> fast-alpr -> sightings -> store, watchlist.

Started by plate_index.pool with the spawn method, so it shares no threads or locks with the recorder. It
loads the models once, then loops: take a task (slot number and frame facts), read the plates in place,
give the slot back (telling the daemon how well the frame read), group reads into sightings (a camera
always goes to the same worker), and store each sighting as soon as it is credible and again when it is
finished (pictures, store row, watchlist alerts: plate_index/publish.py). It beats a shared heartbeat
every loop; the daemon restarts it if it dies or stops beating. On a stop message it finishes open
sightings first.
When a camera's frames come with a new clock shift (the wall clock stepped and the recorder moved the
run's video onto the new time), its open sightings and this run's stored ones move the same way.
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import time
from dataclasses import dataclass
from typing import Any

from edge.clock import Clock, SystemClock
from edge.config import LprConfig
from edge.layout import DataLayout

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
TRIM_SECONDS = 20.0  # edge.memory.give_back_free_memory


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs, picklable for the spawn start method."""

    index: int
    lpr: LprConfig
    layout: DataLayout
    shm_name: str
    slot_count: int
    log_level: str = "INFO"
    first_sighting_id: int = 0  # sightings above this id are this daemon run's (they follow clock steps)


@dataclass(frozen=True)
class Task:
    slot: int
    camera: str
    time: float  # epoch seconds UTC of the frame
    seq: int
    shape: tuple[int, ...]  # FrameSlots.write's: BGR, or 4:2:0 planes
    clock_shift: float = 0.0  # Frame.clock_shift


@dataclass(frozen=True)
class ClockShift:
    """A camera's frames now carry this clock shift (sent even when the motion gate holds frames back)."""

    camera: str
    clock_shift: float


def run(spec: WorkerSpec, tasks: Any, results: Any, heartbeat: Any) -> None:
    """Process entry point (module level, so spawn can import it)."""
    from edge.logs import setup_logging
    from edge.memory import keep_pictures_off_the_heap

    keep_pictures_off_the_heap()  # each frame's crops and scaled copies come and go here too
    setup_logging(spec.log_level, process=f"dozor-lpr{spec.index}")
    daemon = os.getppid()  # before the models load: the daemon may be killed while they do
    heartbeat.value = time.monotonic()
    from plate_index.models import ModelMissing, build_alpr

    try:
        alpr = build_alpr(spec.lpr)
    except ModelMissing as exc:
        results.put(("fatal", str(exc)))
        return
    _Worker(spec, alpr, results, heartbeat, SystemClock()).loop(tasks, daemon)


class _Worker:
    def __init__(self, spec: WorkerSpec, alpr: Any, results: Any, heartbeat: Any, clock: Clock):
        from plate_index.grouping import SightingGrouper
        from plate_index.passes import PassTracker
        from plate_index.publish import SightingWriter
        from plate_index.recognise import Recogniser
        from plate_index.slots import FrameSlots
        from plate_index.store import open_store

        self.spec = spec
        self.clock = clock  # the alerts' time
        self.results = results
        self.heartbeat = heartbeat
        self.recogniser = Recogniser(alpr, spec.lpr.min_read_confidence)
        self.slots = FrameSlots(spec.slot_count, name=spec.shm_name)
        self.conn = open_store(spec.layout.plates_db)
        self.grouper = SightingGrouper(spec.lpr.sighting_gap_seconds)
        self.passes = PassTracker()
        self.last_frame: dict[str, float] = {}  # camera -> monotonic time of its last frame
        self.frame_interval: dict[str, float] = {}  # camera -> seconds between its frames while busy
        self.clock_shift: dict[str, float] = {}  # camera -> the clock shift of its latest frame
        self.writer = SightingWriter(self.conn, spec.layout, results, self.clock_shift, clock)

    def loop(self, tasks: Any, daemon: int) -> None:
        """Read frames until the stop message, or until the daemon is gone: a SIGKILLed daemon sends
        no stop message and the worker holds its own end of the task queue, so without the parent
        check it would poll forever as an orphan, holding its models' memory and the plate store."""
        from edge.memory import give_back_free_memory

        self.results.put(("ready",))
        trim_at = time.monotonic() + TRIM_SECONDS
        while True:
            if os.getppid() != daemon:
                log.warning("the daemon (pid %d) is gone; storing open sightings and stopping", daemon)
                break
            self.heartbeat.value = time.monotonic()
            try:
                task = tasks.get(timeout=POLL_SECONDS)
            except queue.Empty:
                task = False
            if task is None:
                break
            if task:
                self.follow_clock(task.camera, task.clock_shift)
            finished = self.analyse(task) if isinstance(task, Task) else []
            finished += self._quiet_cameras()
            self._store_all(finished)
            if time.monotonic() >= trim_at:
                give_back_free_memory()
                trim_at = time.monotonic() + TRIM_SECONDS
        self._store_all(self.grouper.flush())
        self._store_passes(self.passes.flush())
        self.slots.close()
        self.conn.close()

    def follow_clock(self, camera: str, clock_shift: float) -> None:
        """Move the camera's open and stored sightings of this run when its clock shift changed (or,
        for a restarted worker, when rows an earlier worker stored may not have followed it yet)."""
        previous = self.clock_shift.get(camera)
        if previous == clock_shift:
            return
        self.clock_shift[camera] = clock_shift
        if previous is None and clock_shift == 0.0:
            return
        from plate_index.store import follow_clock_shift

        if previous is not None:
            self.grouper.shift(camera, clock_shift - previous)
        try:
            moved = follow_clock_shift(self.conn, camera, self.spec.first_sighting_id, clock_shift)
        except Exception:  # a locked or full database: the next frame of the camera tries again
            log.exception("could not move the sightings of camera %s to the stepped clock", camera)
            self.clock_shift[camera] = previous if previous is not None else 0.0
            return
        if moved:
            log.warning("camera %s: %d sightings of this run follow the stepped wall clock", camera, moved)

    def analyse(self, task: Task) -> list:
        from plate_index.images import encode_evidence
        from plate_index.passes import PlateView

        finished: list = []
        reads: list = []
        best = 0.0
        try:
            image = self.slots.image(task.slot, task.shape)
            plates = self.recogniser.analyse_frame(image, task.camera, task.time)
            views = [PlateView(task.time, p.box, p.read is not None, p.ocr_confidence) for p in plates]
            self._store_passes(self.passes.add(task.camera, task.time, views))
            reads = sorted((p.read for p in plates if p.read), key=lambda r: -r.read.confidence)
            best = max((r.read.confidence for r in reads), default=0.0)
            for frame_read in reads:
                evidence = functools.partial(encode_evidence, frame_read.crop, image)
                sighting, closed = self.grouper.add(frame_read.read, evidence)
                finished += closed
                self.writer.publish(sighting)
        finally:
            self.results.put(("done", task.slot, task.camera, len(reads), best))
        self._paced(task.camera, time.monotonic())
        return finished + self.grouper.expire(task.camera, task.time)

    def _quiet_cameras(self) -> list:
        """Close the sightings of cameras that sent no frame for a sighting gap, and the plate passes
        of cameras that went quiet (the motion gate holds frames back once the car has gone, so no later
        frame would close them)."""
        finished = []
        now = time.monotonic()
        for camera in self.grouper.open_cameras():
            if now - self.last_frame.get(camera, now) > self.spec.lpr.sighting_gap_seconds:
                finished += self.grouper.flush(camera)
        for camera, last in self.last_frame.items():
            if now - last > self._pass_quiet(camera) and self.passes.open_passes(camera):
                self._store_passes(self.passes.flush(camera))
        return finished

    def _pass_quiet(self, camera: str) -> float:
        """Seconds without a frame after which a camera's open passes end: the tracker's own rule (its
        gap, and as many frames as it waits for) in this worker's time. A camera's frames may be analysed
        seconds apart while its car is in view (the chooser sends a pass read well once a second; a
        loaded machine reads each camera rarely): waiting only the tracker's 1 s cut one car into
        several passes. Until the camera's pace is known, and at most, a sighting gap."""
        most = self.spec.lpr.sighting_gap_seconds
        interval = self.frame_interval.get(camera)
        if interval is None:
            return most
        return min(most, max(self.passes.gap, self.passes.gap_frames * interval))

    def _paced(self, camera: str, now: float) -> None:
        """Follow how far apart the camera's frames are analysed while it is busy (a running mean)."""
        last = self.last_frame.get(camera)
        if last is not None and now - last < self.spec.lpr.sighting_gap_seconds:
            before = self.frame_interval.get(camera, now - last)
            self.frame_interval[camera] = 0.7 * before + 0.3 * (now - last)
        self.last_frame[camera] = now

    def _store_passes(self, passes: list) -> None:
        from plate_index.passes import insert_pass

        for done in passes:
            try:
                insert_pass(self.conn, done)
            except Exception:  # disk full, locked database: lose this count, keep reading plates
                log.exception("could not store a plate pass from camera %s", done.camera)

    def _store_all(self, sightings: list) -> None:
        for sighting in sightings:
            self.writer.finish(sighting)
