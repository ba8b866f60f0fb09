"""Clock jumps (issue 6): the wall clock stepped by NTP forwards and backwards, as on a Pi without a
real-time clock (boots at 1970 or at its last shutdown time, then is stepped to real time), or a bad time
source that steps weeks ahead and back.

The system clock cannot be changed here, so time is injected: edge.clock.ManualClock into the video
retention (recorder.retention) and the plate retention (plate_index.retention) over a real catalog, a
real plate store and real files; and a clock that follows the real one plus a step offset into a
Recorder recording a real RTSP camera. What a user would notice: no recording or sighting deleted by a
jump while it is inside retention_days; the catalog keeps one camera's segments in order, without
overlaps, every file playing.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from recording import (
    SteppedClock,
    catalog_disagreements,
    decode_problems,
    make_config,
    running_recorder,
    segments,
    wait_until,
)

from edge.clock import ManualClock, from_epoch, to_epoch
from edge.clock_steps import HOLD_SECONDS
from edge.config import StorageConfig, parse_config
from edge.layout import DataLayout
from plate_index.images import write_sighting_images
from plate_index.retention import prune_plates
from plate_index.store import NewSighting, insert_sighting, open_store
from recorder.catalog import Catalog, NewSegment, list_segments
from recorder.retention import Retention

DAY = 86400.0
NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


def _fill(data_dir, days: int) -> tuple[Catalog, int]:
    """One segment (a small file) and one sighting with its two pictures per hour for `days` days."""
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    conn = open_store(layout.plates_db)
    picture = np.full((40, 120, 3), 128, np.uint8)
    count = 0
    for hour in range(days * 24):
        start = NOW - timedelta(hours=hour + 1)
        path = layout.segment_file("gate", start)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\0" * 1000)
        row = catalog.add_segment(NewSegment("gate", start, layout.relative(path), "h264", 640, 360, None))
        catalog.update_segment(row, start=start, end=start + timedelta(minutes=1), size=1000, complete=True)
        seen = to_epoch(start) + 10
        crop, scene = write_sighting_images(layout, "gate", seen, picture, picture)
        insert_sighting(conn, NewSighting("gate", f"BE{hour:04d}AA", seen, seen + 2, 0.9, 5,
                                          crop_path=crop, scene_path=scene))
        count += 1
    conn.close()
    return catalog, count


def _counts(data_dir) -> tuple[int, int, int]:
    layout = DataLayout(data_dir)
    conn = open_store(layout.plates_db)
    sightings = conn.execute("SELECT count(*) FROM sightings").fetchone()[0]
    conn.close()
    files = sum(1 for p in layout.segments_dir.rglob("*.mp4"))
    pictures = sum(1 for p in layout.plate_images_dir.rglob("*.jpg"))
    return files, sightings, pictures


def test_forward_jump_and_back_deletes_nothing_inside_retention(data_dir, caplog, fault_rounds):
    """+30 days, then back: the video and the plate data of the last 3 days all stay; once the clock has
    really moved on past the retention, deletion by age works again."""
    catalog, count = _fill(data_dir, days=3)
    clock = ManualClock(NOW)
    config = parse_config({"storage": {"path": str(data_dir), "retention_days": 14, "min_free_gb": 0}})
    retention = Retention(catalog, DataLayout(data_dir), config.storage, clock)
    from edge.clock_steps import AgeGuard

    guard = AgeGuard(clock, "plate retention")
    assert retention.run().deleted == 0 and prune_plates(config, clock, guard=guard) == 0
    caplog.set_level(logging.INFO)
    for jump_days in [30, 365 * 56, 15][: fault_rounds(3, 2)]:  # weeks ahead; 2082 (an RTC gone mad)
        clock.jump(jump_days * DAY)
        clock.advance(120)  # two retention runs' worth of minutes on the wrong time
        assert retention.run().deleted == 0
        assert prune_plates(config, clock, guard=guard) == 0
        clock.jump(-jump_days * DAY)  # NTP puts it right
        clock.advance(120)
        assert retention.run().deleted == 0 and prune_plates(config, clock, guard=guard) == 0
        assert _counts(data_dir) == (count, count, 2 * count), f"data lost after a {jump_days} d jump"
    warnings = [r.getMessage() for r in caplog.records if "stepped forward" in r.getMessage()]
    assert any("video retention" in w for w in warnings) and any("plate retention" in w for w in warnings)
    print(f"clock jumps: {count} segments, {count} sightings, {2 * count} pictures kept through "
          f"+30 d/+56 y jumps and back")

    # Real time passes (monotonic too): 12 days after the hold, the oldest day is past 14 days and goes.
    clock.advance(HOLD_SECONDS + 12 * DAY)
    cutoff = clock.now() - timedelta(days=14)
    report = retention.run()
    pruned = prune_plates(config, clock, guard=guard)
    kept = list_segments(catalog.read())
    assert 0 < report.by_age < count and pruned == report.by_age, (report, pruned)
    assert all(s.start >= cutoff for s in kept)
    assert _counts(data_dir) == (len(kept), len(kept), 2 * len(kept))


def test_pi_booting_at_its_last_shutdown_time_keeps_data_until_the_clock_has_proved_right(data_dir):
    """Booted 20 days late with the shutdown time, stepped by NTP: a genuine step, but the guard cannot
    tell it from a wrong one, so deletion by age waits one hold (a day longer than the retention at
    most), then catches up."""
    catalog, count = _fill(data_dir, days=2)
    clock = ManualClock(NOW)  # the last shutdown time, restored at boot
    retention = Retention(catalog, DataLayout(data_dir), StorageConfig(path=data_dir, retention_days=14,
                                                                        min_free_gb=0), clock)
    clock.jump(20 * DAY)  # NTP: it is really 20 days later, all of it older than 14 days
    assert retention.run().by_age == 0
    clock.advance(HOLD_SECONDS / 2)
    assert retention.run().by_age == 0
    clock.advance(HOLD_SECONDS / 2 + 60)
    assert retention.run().by_age == count and _counts(data_dir)[0] == 0


def test_disk_space_is_freed_even_while_age_deletion_is_held_back(data_dir):
    catalog, count = _fill(data_dir, days=1)
    clock = ManualClock(NOW)
    retention = Retention(catalog, DataLayout(data_dir), StorageConfig(path=data_dir, max_disk_gb=20e-6,
                                                                        min_free_gb=0), clock)
    clock.jump(30 * DAY)
    report = retention.run()
    assert report.by_age == 0 and report.by_cap == count - 20
    assert len(list_segments(catalog.read())) == 20


@pytest.mark.slow
def test_recording_through_clock_steps_keeps_one_timeline_that_follows_the_new_time(
    rtsp_server, test_clip, data_dir, fault_rounds
):
    """The recorder times video by its arrival on the wall clock. When the clock steps (back or
    forward), everything this run recorded moves onto the new time: the segments stay in order without
    overlaps or gaps, and the newest video is timed by the newest clock. Before, a step back put the
    next segment on top of the previous one (two recordings for one moment)."""
    server = rtsp_server({"gate": test_clip(width=640, height=360)})
    clock = SteppedClock()
    config = make_config(data_dir, {"gate": server.url("gate")}, segment_seconds=5)
    steps = [-90.0, 3600.0, -3600.0, 30 * DAY, -30 * DAY][: fault_rounds(5, 2)]
    started = time.time()
    with running_recorder(config, clock):
        assert wait_until(lambda: segments(data_dir, "gate"), 30), "nothing recorded"
        time.sleep(8)  # past the connection's first seconds, where the anchor absorbs a backlog
        for step in steps:
            clock.offset += step
            time.sleep(9)  # past a status tick (5 s), where the recorder notices the step, and a segment
        stopped = to_epoch(clock.now())
    elapsed = time.time() - started
    found = sorted(segments(data_dir, "gate"), key=lambda s: s.id)  # in the order they were recorded
    times = [(round(to_epoch(s.start) - started, 2), round(to_epoch(s.end) - started, 2)) for s in found]
    recorded = sum(s.seconds for s in found)
    print(f"clock steps {steps}: {len(found)} segments, {recorded:.1f} s recorded in {elapsed:.1f} s; "
          f"start/end - test start: {times}")
    assert len(found) >= elapsed // 5 - 2  # 5 s segments, cut at keyframes as always: a step cuts none
    slack = timedelta(seconds=0.1)
    overlaps = [(a, b) for a, b in zip(found, found[1:], strict=False) if b.start < a.end - slack]
    assert overlaps == [], "segments recorded later start before earlier ones end: " + "; ".join(
        f"#{a.id} {a.start:%H:%M:%S.%f}-{a.end:%H:%M:%S.%f} then #{b.id} {b.start:%H:%M:%S.%f}"
        for a, b in overlaps
    )
    gaps = [(a.end, b.start) for a, b in zip(found, found[1:], strict=False) if b.start - a.end > 2 * slack]
    assert gaps == [], f"a step left gaps in the video: {gaps}"
    # One timeline on the newest clock: the last video ends when the clock (stepped) says the recorder
    # stopped, and the first starts at the test's start moved by all the steps together.
    assert abs(to_epoch(found[-1].end) - stopped) < 2.0, (found[-1].end, from_epoch(stopped))
    assert abs(to_epoch(found[0].start) - (started + sum(steps))) < 5.0, found[0].start
    assert recorded > 0.9 * (elapsed - 5), f"{recorded:.1f} s recorded in {elapsed:.1f} s"
    assert catalog_disagreements(data_dir) == []
    for segment in found:
        assert decode_problems(data_dir / segment.path) == "", segment.path
