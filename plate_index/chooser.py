"""Which frames the plate models read, when they cannot read every moving frame: the best of each car
pass, every pass its turn.

The models read about 20 frames a second on one core, and 24 cameras with busy traffic offer five times
that. Feeders `offer` the frames the motion gate passed; the chooser keeps, for each pass (the moving
frames of a camera with no gap of PASS_GAP seconds), the one frame in which the most moved (the car
biggest in view, closest to the camera) and hands the worker a frame whenever it has room (IN_FLIGHT at
a time, so the choice is made as late as possible). First come passes not yet read well, those whose
frame is "ripe" (the pass has gone on for RIPE_SECONDS, or ended) before the others, then the fewest
frames sent, then the oldest pass. A pass read well (a read of confidence >= WELL_READ, reported back by
the worker) gets a further frame only once a second, and only when no other pass waits: model time goes
to the cars not read yet. Unchosen frames are counted: `frames_dropped` (a better frame of the same
pass, or a pass that waited too long) or `frames_spared` (not needed: the pass was read well). When
nothing else waits, every frame goes, as soon as it comes (a quiet road costs no latency).
Without the motion gate (`motion.enabled = false`) there are no passes to speak of, and nothing is spared.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from plate_index.status import CameraCounters

log = logging.getLogger(__name__)

# Frames handed to a worker and not answered yet. One being read and one next would do if answers came
# back at once; but an answer reaches the chooser through the daemon's threads, which share one
# interpreter lock with 24 cameras' decoding, and on a saturated machine that round trip left the models
# idle more than half the time (busy soak, decoding at the lowest priority: models 0.36 of a core and
# 63 % of passes read with 2, 0.52 and 83 % with 4).
IN_FLIGHT = 4
PASS_GAP = 0.6  # seconds without a moving frame (two samples at 5/s) end a pass
PASS_LONGEST = 8.0  # a longer run of motion (a queue of cars) counts as several passes
RIPE_SECONDS = 0.8
WELL_READ = 0.9
SPARED_INTERVAL = 1.0
WAIT_LONGEST = 10.0  # a frame waiting this long is dropped: its sighting would come too late
PASSES_KEPT = 4  # per camera, for the worker's answers about frames of recent passes
# Frames waiting at most, per worker's camera: each holds a picture (1.4 MB at 720p, copied out of its
# decoder), and under saturation the passes of every camera wait; past this the least urgent one goes.
# The worker reads about 5 frames a second, so 6 frames at 24 cameras are still more than a second of
# its work to choose from.
WAITING_PER_CAMERA = 0.25


@dataclass
class _Pass:
    number: int
    started: float  # frame time (epoch seconds) of its first moving frame
    last: float  # frame time of its latest moving frame
    began: float  # monotonic, when its first frame came
    sent: int = 0
    well_read: bool = False
    last_sent: float = float("-inf")  # monotonic
    candidate: Any = None  # the best waiting frame
    waiting_since: float = 0.0  # monotonic
    ended: bool = False


@dataclass
class _Camera:
    spare: bool
    passes: collections.deque = field(default_factory=lambda: collections.deque(maxlen=PASSES_KEPT))


class FrameChooser:
    def __init__(self, worker: Any, counters: dict[str, CameraCounters], spare: dict[str, bool]):
        self.worker = worker
        self.counters = counters
        self._cameras = {camera: _Camera(spare.get(camera, True)) for camera in counters}
        self._most_waiting = max(4, round(WAITING_PER_CAMERA * len(counters)))
        self._ready = threading.Condition()
        self._in_flight = 0
        self._numbers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lpr-choose-{worker.spec.index}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop choosing; frames still waiting are counted as dropped."""
        self._stop.set()
        with self._ready:
            self._ready.notify_all()
        self._thread.join(5)
        with self._ready:
            for camera, state in self._cameras.items():
                for p in state.passes:
                    if p.candidate is not None:
                        p.candidate = None
                        self._not_read(camera, p)

    def offer(self, camera: str, frame: Any) -> None:
        """A frame the motion gate passed (feeder threads)."""
        t = frame.wall_time
        now = time.monotonic()
        with self._ready:
            if self._stop.is_set():  # a frame the tap had in hand as plate reading stopped
                self.counters[camera].frames_dropped += 1
                return
            state = self._cameras[camera]
            current = state.passes[-1] if state.passes else None
            if current is None or not (current.last <= t <= current.last + PASS_GAP) or (
                t - current.started > PASS_LONGEST
            ):
                if current is not None:
                    current.ended = True
                self._numbers += 1
                current = _Pass(self._numbers, t, t, now)
                if len(state.passes) == state.passes.maxlen and state.passes[0].candidate is not None:
                    self._not_read(camera, state.passes[0])
                state.passes.append(current)
            current.last = t
            held = current.candidate
            if held is not None and held.motion > frame.motion:
                self._not_read(camera, current)
                return
            if held is not None:
                self._not_read(camera, current)
            current.candidate, current.waiting_since = frame.detached(), now
            if held is None:
                self._keep_within_bounds(now)
            self._ready.notify()

    def done(self, camera: str, number: int, confidence: float) -> None:
        """The worker read a frame of pass `number` (its best read's confidence, 0 for none)."""
        with self._ready:
            self._in_flight = max(0, self._in_flight - 1)
            if confidence >= WELL_READ and camera in self._cameras:
                for p in self._cameras[camera].passes:
                    if p.number == number:
                        p.well_read = True
            self._ready.notify()

    def worker_restarted(self) -> None:
        """A new worker starts with every slot free; frames the old one held will not be answered."""
        with self._ready:
            self._in_flight = 0
            self._ready.notify()

    def _not_read(self, camera: str, p: _Pass) -> None:
        """Count the frame `p` holds (or the one just offered) as not read."""
        counters = self.counters[camera]
        if p.well_read and self._cameras[camera].spare:
            counters.frames_spared += 1
        else:
            counters.frames_dropped += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._ready:
                pick = self._pick(time.monotonic())
                if pick is None:
                    self._ready.wait(0.25)
                    continue
                camera, p = pick
                frame, p.candidate = p.candidate, None
                p.sent += 1
                p.last_sent = time.monotonic()
                self._in_flight += 1
            try:
                sent = self.worker.submit(camera, frame.wall_time, frame.seq, frame.pixels,
                                          frame.clock_shift, tag=p.number)
            except Exception:  # a bad frame must not end plate reading
                log.exception("plate reading: could not hand a frame of camera %s to the models", camera)
                sent = False
            if not sent:
                with self._ready:
                    self._in_flight = max(0, self._in_flight - 1)
            # The worker has its copy (in a frame slot): let the picture (1.4 MB at 720p) go now, not
            # when the next frame is picked.
            del frame

    def _pick(self, now: float) -> tuple[str, _Pass] | None:
        """The waiting frame to read next (None: none, or the worker has no room)."""
        if self._in_flight >= IN_FLIGHT:
            return None
        best, best_key = None, None
        for camera, p, key in self._waiting(now):
            if key[0] and now - p.last_sent < SPARED_INTERVAL:
                continue  # read well, and a frame of it went less than a second ago
            if best_key is None or key < best_key:  # passes read well sort last: only when none else
                best, best_key = (camera, p), key
        return best

    def _waiting(self, now: float) -> list[tuple[str, _Pass, tuple]]:
        """Passes with a frame waiting, each with its priority (lowest first); frames that waited too
        long are dropped here."""
        out = []
        for camera, state in self._cameras.items():
            for p in state.passes:
                if p.candidate is None:
                    continue
                if now - p.waiting_since > WAIT_LONGEST:
                    p.candidate = None
                    self._not_read(camera, p)
                    continue
                ripe = p.ended or now - p.began >= RIPE_SECONDS
                out.append((camera, p, (p.well_read and state.spare, not ripe, p.sent, p.started)))
        return out

    def _keep_within_bounds(self, now: float) -> None:
        waiting = self._waiting(now)
        if len(waiting) > self._most_waiting:
            camera, p, _ = max(waiting, key=lambda w: w[2])
            p.candidate = None
            self._not_read(camera, p)
