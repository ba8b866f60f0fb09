"""The frame chooser: when the models cannot read every moving frame, each car pass gets its turn, the
frame showing the car biggest is the one read, a pass already read well waits, and every frame offered
is accounted for."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from plate_index.chooser import FrameChooser
from plate_index.status import CameraCounters

START = 1_772_352_000.0  # 2026-03-01 08:00 UTC


class Worker:
    """Takes frames like plate_index.pool.WorkerHandle; the test answers them with `read`."""

    def __init__(self):
        self.spec = SimpleNamespace(index=0)
        self.frames: list[tuple[str, int, float]] = []  # camera, tag (pass), motion
        self.lock = threading.Lock()

    def submit(self, camera, frame_time, seq, image, clock_shift=0.0, tag=0):
        with self.lock:
            self.frames.append((camera, tag, image))
        return True


class Frame(SimpleNamespace):
    def detached(self):
        return self


def frame(seconds: float, motion: float) -> Frame:
    return Frame(wall_time=START + seconds, seq=int(seconds * 25), pixels=motion,
                 clock_shift=0.0, motion=motion)


@pytest.fixture
def chooser():
    cameras = ["a", "b", "c"]
    counters = {name: CameraCounters(camera=name, worker=0) for name in cameras}
    worker = Worker()
    chooser = FrameChooser(worker, counters, {name: True for name in cameras})
    chooser.start()
    yield chooser, worker, counters
    chooser.stop()


def _sent(worker: Worker, count: int, timeout: float = 2.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with worker.lock:
            if len(worker.frames) >= count:
                return list(worker.frames)
        time.sleep(0.01)
    return list(worker.frames)


def test_an_idle_worker_gets_every_frame_at_once(chooser):
    chooser, worker, counters = chooser
    chooser.offer("a", frame(0.0, 0.1))
    assert len(_sent(worker, 1)) == 1
    chooser.done("a", worker.frames[0][1], 0.0)
    chooser.offer("a", frame(0.2, 0.1))
    assert len(_sent(worker, 2)) == 2
    assert counters["a"].frames_dropped == 0


def test_a_busy_worker_gets_the_biggest_car_of_each_pass_and_every_pass_its_turn(chooser, monkeypatch):
    monkeypatch.setattr("plate_index.chooser.IN_FLIGHT", 2)  # two frames in hand make the worker busy
    chooser, worker, counters = chooser
    chooser.offer("a", frame(0.0, 0.05))  # the worker takes these two at once: it is busy now
    chooser.offer("b", frame(0.0, 0.05))
    assert len(_sent(worker, 3)) == 2
    for i in range(1, 12):  # camera a: a long pass; the car is biggest at 1.2 s
        chooser.offer("a", frame(i * 0.2, 0.1 + 0.3 * (i == 6)))
    chooser.offer("c", frame(1.0, 0.02))  # camera c: a pass not read at all yet, a small car
    time.sleep(RIPE := 0.9)  # both passes are ripe now
    first_a, first_b = worker.frames[0][1], worker.frames[1][1]
    chooser.done("a", first_a, 0.3)  # read, but not well
    sent = _sent(worker, 3)
    assert sent[2][0] == "c", "the pass with no frame read yet comes first"
    chooser.done("b", first_b, 0.0)
    sent = _sent(worker, 4)
    assert sent[3] == ("a", first_a, 0.4), "then the best frame of camera a's pass"
    # Every frame offered is read, or dropped (a better one of its pass was kept, or still waiting).
    chooser.stop()
    offered = 2 + 11 + 1
    assert counters["a"].frames_dropped + counters["b"].frames_dropped + counters["c"].frames_dropped == (
        offered - len(sent))
    assert RIPE > 0.8


def test_a_pass_read_well_waits_for_the_others_and_gets_a_frame_a_second_at_most(chooser):
    chooser, worker, counters = chooser
    chooser.offer("a", frame(0.0, 0.2))
    sent = _sent(worker, 1)
    chooser.done("a", sent[0][1], 0.97)  # read well
    for i in range(1, 16):  # three more seconds of the same pass, offered in real time
        chooser.offer("a", frame(i * 0.2, 0.2))
        time.sleep(0.2)
    sent = _sent(worker, 99, timeout=0.3)
    assert 2 <= len(sent) <= 5, f"{len(sent)} frames of a pass already read well"
    chooser.stop()  # the frame still waiting is counted too
    assert counters["a"].frames_spared >= 10
    assert counters["a"].frames_spared + counters["a"].frames_dropped + len(sent) == 16
