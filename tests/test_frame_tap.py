"""The frame tap: consumers get decoded BGR frames at their rate; slow or dead ones never cost recording."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import av
import cv2
import pytest
from recording import (
    SteppedClock,
    covered_seconds,
    feeding,
    make_config,
    running_recorder,
    segments,
    thread_wakeups,
    wait_until,
)

from edge.clock import from_epoch
from edge.layout import DataLayout
from recorder.frame_tap import DECODE_NICE, FrameTap
from recorder.live_snapshots import live_picture


@pytest.mark.slow
def test_slow_and_dead_frame_consumers_cost_no_recorded_second(rtsp_server, test_clip, data_dir):
    server = rtsp_server({"cam": test_clip(width=640, height=360)})
    config = make_config(data_dir, {"cam": server.url("cam")}, live_fps=1)
    frames, slow_frames = [], []
    stop = threading.Event()

    with running_recorder(config) as recorder:
        tap = recorder.tap("cam")
        dead = tap.subscribe(25, queue_size=2, name="never read")
        slow = tap.subscribe(10, queue_size=2, name="slow")
        lpr = tap.subscribe(5, name="lpr")

        def read_slowly():
            while not stop.is_set():
                if (frame := slow.get(timeout=1)) is not None:
                    slow_frames.append(frame)
                    time.sleep(1.0)

        reader = threading.Thread(target=read_slowly)
        reader.start()
        started = datetime.now(UTC)
        while (datetime.now(UTC) - started).total_seconds() < 12:
            if (frame := lpr.get(timeout=1)) is not None:
                frames.append(frame)
        stopped = datetime.now(UTC)
        stop.set()
        reader.join()
        for sub in (dead, slow, lpr):
            sub.close()
        drops = tap.dropped
        live = live_picture(DataLayout(data_dir), "cam")
        assert wait_until(live.exists, 5)
        picture = cv2.imread(str(live))

    found = segments(data_dir, "cam")
    assert covered_seconds(found, started, stopped) / (stopped - started).total_seconds() >= 0.99
    assert all(abs((b.start - a.end).total_seconds()) < 0.1 for a, b in zip(found, found[1:], strict=False))
    assert 50 <= len(frames) <= 65, f"{len(frames)} frames in 12 s at 5 fps"
    assert all(f.image.shape == (360, 640, 3) and f.image.dtype == "uint8" for f in frames)
    times = [from_epoch(f.wall_time) for f in frames]
    assert times == sorted(times) and [f.seq for f in frames] == sorted(f.seq for f in frames)
    in_a_segment = [any(s.start - timedelta(seconds=0.05) <= t <= s.end for s in found) for t in times]
    assert all(in_a_segment), "frame times are on the segments' clock"
    assert dead.dropped > 100 and slow.dropped > 10 and drops >= dead.dropped + slow.dropped
    assert len(slow_frames) >= 8
    assert picture is not None and picture.shape == (360, 640, 3)


@pytest.mark.slow
def test_a_tap_fed_by_its_own_connection_follows_a_clock_step(rtsp_server, test_clip):
    """A tap-only connection (`lpr_url`) has no recorder to notice a step of the wall clock: the tap
    does, so its frames move to the new time at once and carry the shift plate reading follows."""
    server = rtsp_server({"sub": test_clip()})
    clock = SteppedClock()
    tap = FrameTap("sub", clock=clock)
    sub = tap.subscribe(5)
    frames = []
    with feeding(tap, server.url("sub")):
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            if (frame := sub.get(timeout=1)) is not None:
                frames.append((frame, clock.now()))
            if clock.offset == 0 and time.monotonic() > deadline - 3:
                clock.offset = -3600.0
    sub.close()

    shifts = [frame.clock_shift for frame, _ in frames]
    assert shifts == sorted(shifts, reverse=True) and shifts[0] == 0.0 and shifts[-1] == pytest.approx(-3600)
    assert sum(1 for s in shifts if s < -3599) >= 10, "frames came again at once after the step back"
    late = [(f.wall_time, got) for f, got in frames if abs(got.timestamp() - f.wall_time) > 1.0]
    assert len(late) <= 3, f"frames not on the clock they were read by: {late}"  # queued at the step


@pytest.mark.slow
def test_a_tap_fed_by_its_own_connection_times_frames_by_arrival(rtsp_server, test_clip):
    server = rtsp_server({"sub": test_clip()})
    tap = FrameTap("sub")
    sub = tap.subscribe(5)
    frames = []
    with feeding(tap, server.url("sub")):
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            if (frame := sub.get(timeout=1)) is not None:
                frames.append((frame, datetime.now(UTC)))
        sub.close()
        time.sleep(1.5)  # nobody subscribes: the decoder thread ends
        again = tap.subscribe(5)  # plate reading restarted: frames must come again on the same connection
        second = [f for _ in range(10) if (f := again.get(timeout=1)) is not None]
    again.close()

    assert 15 <= len(frames) <= 22
    assert all(abs(got.timestamp() - frame.wall_time) < 1.0 for frame, got in frames)
    assert len(second) == 10


def test_feeding_faster_than_the_decoder_drops_packets_and_never_blocks(test_clip):
    clip = test_clip(width=1280, height=720, seconds=4)
    tap = FrameTap("fast")
    sub = tap.subscribe(30, queue_size=1000)
    slowest = 0.0
    with av.open(str(clip)) as container:
        video = container.streams.video[0]
        for _ in range(3):  # 12 s of video pushed in a burst, far faster than real time
            container.seek(0)
            for packet in container.demux(video):
                if packet.size:
                    began = time.perf_counter()
                    tap.feed(packet, 0.0)
                    slowest = max(slowest, time.perf_counter() - began)
    assert wait_until(lambda: tap._packets.empty(), 30)
    time.sleep(0.5)
    sub.close()
    assert slowest < 0.02, f"feed() took {slowest * 1000:.1f} ms"
    assert tap.dropped_packets > 0
    assert sub.delivered > 0


def _picture_updates(path, seconds: float) -> int:
    """How many times the live picture file was replaced during `seconds`."""
    seen, last = 0, None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp is not None and stamp != last:
            seen += last is not None
            last = stamp
        time.sleep(0.05)
    return seen


@pytest.mark.slow
def test_watched_live_picture_refreshes_every_second_unwatched_costs_nothing_after_the_first(
    rtsp_server, test_clip, data_dir
):
    from recorder.live_snapshots import mark_watched

    server = rtsp_server({"cam": test_clip(width=640, height=360, gop_seconds=1.0, seconds=12)})
    config = make_config(data_dir, {"cam": server.url("cam")}, live_fps=1)
    layout = DataLayout(data_dir)
    with running_recorder(config) as recorder:
        live = live_picture(layout, "cam")
        assert wait_until(live.exists, 10), "an unwatched camera still gets its start-up picture"
        assert wait_until(lambda: not recorder.tap("cam").active, 3), "nobody watching: nothing subscribes"
        wakeups = thread_wakeups("live-cam")
        unwatched = _picture_updates(live, 4)  # a keyframe every second, none of them decoded
        wakeups = thread_wakeups("live-cam") - wakeups
        mark_watched(layout, "cam")
        time.sleep(3)  # the switch waits for the next keyframe
        mark_watched(layout, "cam")
        watched = _picture_updates(live, 8)
    print(f"live picture updates: unwatched {unwatched} in 4 s ({wakeups} wake-ups), "
          f"watched {watched} in 8 s")
    assert unwatched == 0
    assert wakeups == 0, "an unwatched camera's live thread must block, not wake up to poll"
    assert watched >= 7, "a watched camera's picture must refresh at live_fps (1 per second)"


def test_a_closed_subscription_keeps_its_drops_in_the_tap_total_and_they_stop_growing(test_clip):
    """Behind a flaky `404 vs 407`: the test read the tap's total while its subscriptions were still
    open and being fed, then read their own counts after more drops. The tap now keeps a closed
    subscription's drops (what `dozor cameras` shows) and a closed subscription is never fed again."""
    clip = test_clip(seconds=4)
    tap = FrameTap("cam")
    dead = tap.subscribe(25, queue_size=1)  # never read
    keep = tap.subscribe(25, queue_size=10_000)  # keeps the decoder busy after `dead` is closed

    def feed(first: int) -> int:
        with av.open(str(clip)) as container:
            video = container.streams.video[0]
            for i, packet in enumerate(p for p in container.demux(video) if p.size):
                tap.feed(packet, 1000.0 + (first + i) * 0.04)
                time.sleep(0.002)  # slower than the decoder: no packet is dropped
        return first + 100

    shown = feed(0)
    assert wait_until(lambda: keep.delivered >= 90, 20), keep.delivered  # frame threading holds a few
    dead.close()
    frozen = dead.dropped
    feed(shown)
    assert wait_until(lambda: keep.delivered >= 190, 20), keep.delivered
    keep.close()
    assert frozen >= 80 and dead.dropped == frozen
    assert tap.dropped == tap.dropped_packets + frozen + keep.dropped


def test_queued_frames_are_copied_out_of_the_decoder_and_the_last_close_ends_its_thread(test_clip):
    """A frame waiting in a queue (the live picture while its JPEG is made) must not hold the decoder's
    own picture: the decoder would allocate another and keep it in its pool for good, ~1.4 MB per
    720p camera. And the decoder thread, which no longer polls, still ends as soon as nobody subscribes."""
    clip = test_clip(seconds=2)
    tap = FrameTap("cam")
    held = tap.subscribe(25, queue_size=1000)  # never read while the clip is fed: every frame waits
    with av.open(str(clip)) as container:
        video = container.streams.video[0]
        for i, packet in enumerate(p for p in container.demux(video) if p.size):
            tap.feed(packet, 1000.0 + i * 0.04)
            time.sleep(0.002)  # slower than the decoder: no packet is dropped
    assert wait_until(lambda: held.delivered >= 40, 10)
    frames = [held.get(timeout=1) for _ in range(held.delivered)]
    assert [type(f.picture).__name__ for f in frames if f is not None] == ["YuvCopy"] * len(frames)
    assert frames[0].image.shape == (240, 320, 3) and frames[0].grey.shape == (240, 320)

    thread = tap._thread
    assert thread is not None and thread.is_alive()
    held.close()
    thread.join(2)
    assert not thread.is_alive(), "the decoder thread must end when its last subscription closes"


def test_plate_readings_decoding_yields_the_cpu_and_the_stream_reader_keeps_its_priority(test_clip):
    """On an overloaded machine the models and recording go first: a tap made for plate reading decodes
    at the lowest priority, and only its decoder thread does (the thread that feeds it, as the recorder's
    does, keeps its own); a tap whose frames are the point (the aiming page) keeps the normal one."""
    clip = test_clip(seconds=1)
    reader_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    yielding, plain = FrameTap("reading", decode_nice=DECODE_NICE), FrameTap("aiming")
    subs = [tap.subscribe(25, queue_size=1000) for tap in (yielding, plain)]
    with av.open(str(clip)) as container:
        video = container.streams.video[0]
        for i, packet in enumerate(p for p in container.demux(video) if p.size):
            for tap in (yielding, plain):
                tap.feed(packet, 1000.0 + i * 0.04)
    assert wait_until(lambda: all(sub.delivered > 0 for sub in subs), 10)
    priorities = [os.getpriority(os.PRIO_PROCESS, tap._thread.native_id) for tap in (yielding, plain)]
    assert priorities == [DECODE_NICE, reader_priority] and DECODE_NICE == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == reader_priority
    for sub in subs:
        sub.close()


def test_the_recorders_taps_decode_for_plate_reading_at_the_lowest_priority(data_dir):
    from edge.config import parse_config
    from recorder.service import Recorder

    config = parse_config({"storage": {"path": str(data_dir)},
                           "cameras": [{"name": "gate", "url": "rtsp://127.0.0.1:9/none"}]})
    assert Recorder(config).taps["gate"].decode_nice == DECODE_NICE
