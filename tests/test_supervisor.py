"""The daemon's skeleton: services start in order and stop in reverse, dead children come back with
backoff, failing jobs do not stop the schedule, and stream time is anchored to the wall clock."""

from __future__ import annotations

import logging
import sys
import threading
import time

from recording import make_config, wait_until

from dozor.services import ChildProcess
from dozor.supervisor import Supervisor
from edge.clock import ManualClock
from edge.jobs import Jobs
from recorder.wallclock import WallClockAnchor


class Noted:
    """A service that notes what happens to it."""

    def __init__(self, name: str, notes: list[str], fail_stop: bool = False):
        self.name, self.notes, self.fail_stop = name, notes, fail_stop

    def start(self) -> None:
        self.notes.append(f"start {self.name}")

    def watch(self) -> None:
        if f"watch {self.name}" not in self.notes:
            self.notes.append(f"watch {self.name}")

    def stop(self) -> None:
        self.notes.append(f"stop {self.name}")
        if self.fail_stop:
            raise RuntimeError("broken")


class Broken(Noted):
    def start(self) -> None:
        raise RuntimeError("no models")


def test_services_start_in_order_are_watched_and_stop_in_reverse_and_broken_ones_are_skipped(
    data_dir, tmp_path, caplog
):
    notes: list[str] = []
    config = make_config(data_dir, {})

    def services(context):
        return [Noted("lpr", notes, fail_stop=True), Broken("broken", notes), Noted("web", notes)]

    def broken_factory(context):
        raise ImportError("a missing library")

    supervisor = Supervisor(config, tmp_path / "c.toml", factories=[broken_factory, services])
    threading.Timer(2.5, supervisor.request_stop).start()

    assert supervisor.run() == 0

    assert notes == ["start lpr", "start web", "watch lpr", "watch web", "stop web", "stop lpr"]
    assert (data_dir / "catalog.db").exists(), "the recorder ran first"
    assert "could not set up the services of broken_factory" in caplog.text
    assert "broken.start() failed" in caplog.text


def test_a_child_process_that_dies_is_restarted_with_backoff(caplog):
    clock = ManualClock()
    child = ChildProcess("web", [sys.executable, "-c", "import sys; sys.exit(3)"], clock=clock)
    child.start()
    assert wait_until(lambda: child.process.poll() is not None, 10)
    child.watch()
    child.watch()
    assert child.restarts == 0, "not before the backoff"
    clock.advance(1.1)
    child.watch()
    assert child.restarts == 1
    assert wait_until(lambda: child.process.poll() is not None, 10)
    child.watch()
    clock.advance(1.1)
    child.watch()
    assert child.restarts == 1, "the second wait is 2 s"
    clock.advance(1.0)
    child.watch()
    assert child.restarts == 2
    child.stop()
    assert "web exited with status 3; restarting in 1 s" in caplog.text


def test_stopping_a_child_process_terminates_it():
    child = ChildProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
    child.start()
    began = time.monotonic()
    child.stop()
    assert child.process.poll() is not None and time.monotonic() - began < 5


def test_a_failing_job_is_logged_and_runs_again(caplog):
    runs = []

    def flaky():
        runs.append(1)
        raise OSError("disk trouble")

    jobs = Jobs()
    jobs.every("flaky", 0.2, flaky)
    caplog.set_level(logging.ERROR)
    jobs.start()
    try:
        assert wait_until(lambda: len(runs) >= 3, 5)
        assert jobs.names() == ["flaky"]
    finally:
        jobs.stop()
    assert "job flaky failed" in caplog.text


def test_the_anchor_settles_on_the_least_delayed_packet_and_notices_drift():
    anchor = WallClockAnchor(max_drift=1.5)
    # three packets that sat 0.3 s in the probe buffer, then real-time ones
    assert anchor.observe(0.00, 1000.30) == 1000.30
    anchor.observe(0.04, 1000.30)
    assert anchor.observe(0.40, 1000.41) == 1000.41 and anchor.wall(0.0) == 1000.01
    for i in range(1, 340):  # a camera clock 5 % slow: 1.5 s behind after 30 s, not yet for 5 s
        anchor.observe(0.40 + i * 0.095, 1000.41 + i * 0.1)
    assert not anchor.drifted
    for i in range(340, 360):
        anchor.observe(0.40 + i * 0.095, 1000.41 + i * 0.1)
    assert anchor.drifted
    stepped = WallClockAnchor()
    stepped.observe(0.0, 2000.0)
    stepped.observe(0.04, 1990.0)  # the wall clock stepped back 10 s (NTP)
    assert stepped.drifted
