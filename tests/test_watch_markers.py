"""recorder.watch_markers: the events the live pictures and sub-stream relays block on follow the web UI's
marker files, survive a wall-clock step back, and all wake up at stop."""

from __future__ import annotations

import os
import threading
import time

from recording import wait_until

from recorder.watch_markers import WatchMarkers, fresh


def test_an_event_follows_its_marker_and_stop_wakes_every_waiter(tmp_path):
    marker = tmp_path / "gate.watched"
    marker.touch()  # watched before the recorder starts
    markers = WatchMarkers(poll_seconds=0.05)
    watched = markers.event(marker, 10.0)
    unwatched = markers.event(tmp_path / "yard.watched", 10.0)  # never touched
    assert watched.is_set() and not unwatched.is_set()
    markers.start()
    try:
        marker.unlink()  # a marker that disappears: nobody watches
        assert wait_until(lambda: not watched.is_set(), 2)
        marker.touch()
        assert wait_until(watched.is_set, 2)
        waiter = threading.Thread(target=unwatched.wait, daemon=True)
        waiter.start()
    finally:
        markers.stop()
    waiter.join(2)
    assert not waiter.is_alive(), "stop() must wake a thread blocked on an unwatched camera's event"


def test_a_marker_touched_before_the_wall_clock_stepped_back_is_not_fresh_for_hours(tmp_path):
    """An NTP step back of an hour left a marker touched a minute ago an hour in the future; taken as
    fresh, the camera's sub-stream and full-rate pictures would run for that hour with nobody watching.
    The web UI touches the marker again within seconds while someone does watch."""
    marker = tmp_path / "gate.sub.watched"
    marker.touch()
    now = time.time()
    assert fresh(marker, 10.0, now)
    os.utime(marker, (now + 3600, now + 3600))
    assert not fresh(marker, 10.0, now)
