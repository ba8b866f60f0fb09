"""The LPR worker stores one pass per car even when a camera's frames are analysed seconds apart.

A camera's frames reach the models seconds apart on a loaded machine (several plate cameras on a
Raspberry Pi, an aiming session beside the daemon) and by design at busy traffic: the frame chooser
sends a pass that is already read well at most once a second, and one frame per pass when the models
are saturated. The pass tracker keeps such a car as one pass (tests/test_passes.py); the worker must not
end a camera's open passes behind its back after the tracker's 1-s gap in wall time, or the site
report's "plates seen" counts one car several times (73 passes were stored for 64 cars while an aiming
session ran). A camera that went quiet for a sighting gap still has its passes stored.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from edge.config import LprConfig
from plate_index import worker as worker_module
from plate_index.grouping import SightingGrouper
from plate_index.passes import PassTracker, PlateView
from plate_index.store import open_store


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def busy_worker(tmp_path, monkeypatch):
    """The LPR worker's pass bookkeeping (its real methods and store), with a clock the test moves."""
    clock = FakeClock()
    monkeypatch.setattr(worker_module, "time", SimpleNamespace(monotonic=clock.monotonic))
    worker = object.__new__(worker_module._Worker)
    worker.spec = SimpleNamespace(lpr=LprConfig())
    worker.conn = open_store(tmp_path / "plates.db")
    worker.grouper = SightingGrouper(worker.spec.lpr.sighting_gap_seconds)
    worker.passes = PassTracker()
    worker.last_frame = {}
    worker.frame_interval = {}
    return worker, clock


def _see(worker, clock, t: float, x: int) -> None:
    """The worker analyses a frame of camera `gate` with one unread plate at `x`, `t` s into the pass."""
    clock.now = 1000.0 + t
    view = PlateView(1_800_000_000 + t, (x, 400, x + 120, 430), False, 0.0)
    worker._store_passes(worker.passes.add("gate", 1_800_000_000 + t, [view]))
    worker._paced("gate", clock.now)


def _stored(worker) -> tuple:
    row = worker.conn.execute("SELECT count(*), sum(views) FROM passes WHERE camera = 'gate'").fetchone()
    return tuple(row)


def test_one_car_analysed_every_1_3_s_is_one_pass_in_the_store(busy_worker):
    worker, clock = busy_worker
    for t in (0.0, 1.3, 2.6):  # the car crosses the picture; its camera's frames are analysed 1.3 s apart
        clock.now = 1000.0 + t
        box = (1200 - int(300 * t), 400, 1320 - int(300 * t), 430)
        worker._store_passes(worker.passes.add("gate", 1_800_000_000 + t, [PlateView(1_800_000_000 + t, box,
                                                                                     False, 0.0)]))
        worker._paced("gate", clock.now)
        clock.now += 1.2  # the worker analyses the other cameras' frames meanwhile
        worker._store_passes(worker._quiet_cameras())
    worker._store_passes(worker.passes.flush())
    stored = _stored(worker)
    assert stored == (1, 3), f"one car stored as {stored[0]} passes"


def _idle(worker, clock, seconds: float) -> None:
    """The worker's loop looks for quiet cameras twice a second while it reads nothing of `gate`."""
    for _ in range(round(seconds / 0.5)):
        clock.now += 0.5
        worker._quiet_cameras()


def test_a_camera_read_at_full_pace_has_its_pass_stored_a_second_after_it_went_quiet(busy_worker):
    worker, clock = busy_worker
    for t in (0.0, 0.2, 0.4, 0.6):  # 5 frames/s: the tracker's own 1 s (and 3 frames) apply
        _see(worker, clock, t, 1200 - int(300 * t))
    _idle(worker, clock, 0.5)
    assert _stored(worker) == (0, None), "the pass ended while its car may still be in view"
    _idle(worker, clock, 1.0)
    assert _stored(worker) == (1, 4)


def test_a_slowly_read_camera_keeps_its_pass_open_longer_and_the_next_car_is_a_second_pass(busy_worker):
    worker, clock = busy_worker
    for t in (0.0, 1.3, 2.6):
        _see(worker, clock, t, 1200 - int(300 * t))
        _idle(worker, clock, 1.0)
    assert _stored(worker) == (0, None)
    _idle(worker, clock, 3.0)  # more than three of its frame intervals: the camera went quiet
    assert _stored(worker) == (1, 3)
    for t in (9.0, 10.3):  # the next car enters where the first one did
        _see(worker, clock, t, 1200 - int(300 * (t - 9)))
    _idle(worker, clock, worker.spec.lpr.sighting_gap_seconds + 0.5)
    assert _stored(worker) == (2, 5)


def test_a_camera_seen_once_waits_a_sighting_gap(busy_worker):
    worker, clock = busy_worker
    _see(worker, clock, 0.0, 1200)
    _idle(worker, clock, worker.spec.lpr.sighting_gap_seconds - 0.5)
    assert _stored(worker) == (0, None)
    _idle(worker, clock, 1.0)
    assert _stored(worker) == (1, 1)
