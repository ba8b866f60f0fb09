"""The live grid's sub-streams in the recorder (recorder.live_relay), on a real RTSP server: a camera's
`live_url` is connected only while a grid watches it, copied into playable fMP4 files, let go when
nobody watches, and a sub-stream that fails or breaks the relay costs the recording nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from recording import covered_seconds, running_recorder, segments, thread_wakeups, wait_until

from edge.config import parse_config
from edge.layout import DataLayout
from recorder.live_relay import mark_relay_watched, newest_relay_file, relay_dir
from webui.fmp4 import codec_string, fragments_from, init_segment

pytestmark = pytest.mark.slow


def _config(data_dir, main: str, sub: str):
    return parse_config({
        "storage": {"path": str(data_dir), "min_free_gb": 0},
        "recorder": {"segment_seconds": 5, "stall_seconds": 4, "live_fps": 0, "reconnect_max_seconds": 2},
        "lpr": {"enabled": False},
        "web": {"enabled": False},
        "cameras": [{"name": "gate", "url": main, "live_url": sub, "lpr": False}],
    })


def _fragments(path) -> int:
    try:
        return len(fragments_from(path, 0)[0])
    except OSError:
        return 0


def test_the_sub_stream_is_copied_only_while_a_grid_watches_it(rtsp_server, test_clip, data_dir, monkeypatch):
    monkeypatch.setattr("recorder.live_relay.WATCHED_SECONDS", 2.0)
    server = rtsp_server({"gate": test_clip(width=640, height=360),
                          "gate-sub": test_clip(width=320, height=180)})
    layout = DataLayout(data_dir)
    with running_recorder(_config(data_dir, server.url("gate"), server.url("gate-sub"))):
        assert wait_until(lambda: segments(data_dir, "gate"), 15)
        wakeups = thread_wakeups("relay-gate")
        time.sleep(2)
        assert newest_relay_file(layout, "gate") is None  # nobody watches: no connection, no file
        assert thread_wakeups("relay-gate") == wakeups, "an unwatched relay's thread must block, not poll"

        watching_until = time.monotonic() + 6
        while time.monotonic() < watching_until:  # a grid playing the camera touches the mark
            mark_relay_watched(layout, "gate")
            time.sleep(0.5)
        path = newest_relay_file(layout, "gate")
        assert path is not None and _fragments(path) >= 2
        init = init_segment(path)
        assert init is not None and codec_string(init).startswith("avc1.")
        assert b"\x01\x40\x00\xb4" in init  # avc1 width, height: the sub-stream's 320x180

        time.sleep(4)  # nobody watches any more: the relay lets the camera go
        written = sorted(relay_dir(layout, "gate").glob("*.mp4"))
        sizes = [p.stat().st_size for p in written]
        time.sleep(2)
        assert [p.stat().st_size for p in sorted(relay_dir(layout, "gate").glob("*.mp4"))] == sizes


@pytest.mark.parametrize("failure", ["no such stream", "the relay breaks"])
def test_a_failing_sub_stream_costs_the_recording_nothing(rtsp_server, test_clip, data_dir, monkeypatch,
                                                          failure):
    server = rtsp_server({"gate": test_clip()})
    sub = server.url("gate") if failure == "the relay breaks" else server.url("missing")
    if failure == "the relay breaks":
        def broken(*args, **kwargs):
            raise RuntimeError("muxer exploded")
        monkeypatch.setattr("recorder.live_relay.SegmentWriter", broken)
    layout = DataLayout(data_dir)
    with running_recorder(_config(data_dir, server.url("gate"), sub)):
        assert wait_until(lambda: segments(data_dir, "gate"), 15)
        start = datetime.now(UTC)
        until = time.monotonic() + 12
        while time.monotonic() < until:
            mark_relay_watched(layout, "gate")
            time.sleep(0.5)
        end = datetime.now(UTC)
        assert newest_relay_file(layout, "gate") is None
    recorded = covered_seconds(segments(data_dir, "gate"), start, end)
    print(f"{failure}: {recorded:.1f} of {(end - start).total_seconds():.1f} s recorded")
    assert recorded >= (end - start).total_seconds() - 1.5
