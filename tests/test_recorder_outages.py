"""Cameras that fail: one down for 20 s, the whole server killed and restarted, a stalled stream.

What a user notices: recording resumes within seconds of the camera's return, the gap is an outage
with a reason in the catalog (the UI's timeline), and the other cameras lose nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from recording import covered_seconds, decode_problems, make_config, running_recorder, segments, wait_until

from edge.layout import DataLayout
from recorder.catalog import open_catalog, outages_between
from recorder.reasons import OutageReason, Reason


def _outages(data_dir, camera, start, end):
    conn = open_catalog(DataLayout(data_dir), readonly=True)
    try:
        return outages_between(conn, camera, start, end)
    finally:
        conn.close()


def _first_segment_after(data_dir, camera, moment):
    later = [s for s in segments(data_dir, camera) if s.start >= moment]
    return later[0] if later else None


@pytest.mark.slow
def test_camera_back_after_outage_resumes_within_5s_and_others_lose_nothing(
    rtsp_server, test_clip, data_dir
):
    clip = test_clip()
    names = ["gate", "road", "square"]
    server = rtsp_server({name: clip for name in names})
    config = make_config(data_dir, {name: server.url(name) for name in names})

    with running_recorder(config):
        started = datetime.now(UTC)
        time.sleep(6)
        server.down("gate")
        down_at = datetime.now(UTC)
        time.sleep(20)
        server.up("gate")
        up_at = datetime.now(UTC)
        assert wait_until(lambda: _first_segment_after(data_dir, "gate", up_at) is not None, 15)
        time.sleep(3)
        stopped = datetime.now(UTC)
        outages = _outages(data_dir, "gate", started, stopped)

    resumed = _first_segment_after(data_dir, "gate", up_at)
    delay = (resumed.start - up_at).total_seconds()
    assert delay <= 5, f"recording resumed {delay:.1f} s after the camera returned"
    assert len(outages) == 1
    outage = outages[0]
    assert abs((outage.start - down_at).total_seconds()) < 2
    assert outage.end is not None and abs((outage.end - resumed.start).total_seconds()) < 0.5
    assert outage.reason == Reason(OutageReason.CONNECTION_CLOSED)
    wall = (stopped - started).total_seconds()
    for other in ("road", "square"):  # nothing lost: no gap from their first frame to the stop
        found = segments(data_dir, other)
        assert covered_seconds(found, started, stopped) / wall > 0.97
        gaps = [(b.start - a.end).total_seconds() for a, b in zip(found, found[1:], strict=False)]
        assert max(abs(g) for g in gaps) < 0.1
        assert (stopped - found[-1].end).total_seconds() < 1
    print(f"\ngate: recording resumed {delay:.2f} s after the camera returned; outage {outage}")
    for segment in segments(data_dir):
        assert decode_problems(data_dir / segment.path) == "", segment.path


@pytest.mark.slow
def test_server_killed_and_restarted_every_camera_resumes_and_the_gap_is_an_outage(
    rtsp_server, test_clip, data_dir
):
    clip = test_clip()
    server = rtsp_server({"a": clip, "b": clip})
    config = make_config(data_dir, {name: server.url(name) for name in ("a", "b")})

    with running_recorder(config) as recorder:
        time.sleep(5)
        server.kill()
        killed_at = datetime.now(UTC)
        time.sleep(6)
        server.restart()
        back_at = datetime.now(UTC)
        assert wait_until(
            lambda: all(_first_segment_after(data_dir, n, back_at) for n in ("a", "b")), 15
        )
        stopped = datetime.now(UTC)
        statuses = {name: camera.status.state for name, camera in recorder.cameras.items()}
        outages = {name: _outages(data_dir, name, killed_at, stopped) for name in ("a", "b")}

    assert statuses == {"a": "online", "b": "online"}
    for name in ("a", "b"):
        resumed = _first_segment_after(data_dir, name, back_at)
        assert (resumed.start - back_at).total_seconds() <= 5
        assert len(outages[name]) == 1
        assert abs((outages[name][0].start - killed_at).total_seconds()) < 2
    for segment in segments(data_dir):
        assert decode_problems(data_dir / segment.path) == "", segment.path


@pytest.mark.slow
def test_stalled_camera_is_reconnected_after_stall_seconds_and_the_stall_is_an_outage(
    rtsp_server, test_clip, data_dir
):
    server = rtsp_server({"cam": test_clip()})
    config = make_config(data_dir, {"cam": server.url("cam")}, stall_seconds=3)

    with running_recorder(config) as recorder:
        time.sleep(5)
        server.stall()
        stalled_at = datetime.now(UTC)
        assert wait_until(lambda: recorder.cameras["cam"].status.state == "offline", 8)
        noticed = (datetime.now(UTC) - stalled_at).total_seconds()
        time.sleep(4)
        server.resume()
        back_at = datetime.now(UTC)
        assert wait_until(lambda: _first_segment_after(data_dir, "cam", back_at) is not None, 15)
        outages = _outages(data_dir, "cam", stalled_at, datetime.now(UTC))

    assert 2 <= noticed <= 6, f"the stall was noticed after {noticed:.1f} s (stall_seconds = 3)"
    assert len(outages) == 1 and outages[0].reason == Reason(OutageReason.TIMED_OUT)
    assert abs((outages[0].start - stalled_at).total_seconds()) < 1
    resumed = _first_segment_after(data_dir, "cam", back_at)
    assert (resumed.start - back_at).total_seconds() <= 5
    for segment in segments(data_dir):
        assert decode_problems(data_dir / segment.path) == "", segment.path
