"""Crash safety: files cut off anywhere still play after start-up recovery; catalog and disk agree;
kill -9 of the real daemon, then a restart, loses nothing but the last second and records on."""

from __future__ import annotations

import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from recording import (
    catalog_disagreements,
    decode_problems,
    media_seconds,
    segments,
    wait_until,
    write_config,
)

from edge.clock import SystemClock
from edge.layout import DataLayout
from recorder import mp4_fragments
from recorder.catalog import Catalog, NewSegment, list_segments, outages_between
from recorder.reasons import OutageReason
from recorder.recovery import recover
from recorder.segment_writer import SegmentWriter


def _write_segment(clip: Path, target: Path, *, stop_after: float | None = None) -> Path:
    """Copy a clip into a segment file the way the recorder does; with `stop_after`, leave it
    unclosed after that many seconds and return a snapshot of it (a kill -9 at that moment)."""
    with av.open(str(clip)) as source:
        video = source.streams.video[0]
        writer = SegmentWriter(target, video, None)
        for packet in source.demux(video):
            if packet.size == 0:
                continue
            if stop_after is not None and packet.pts * video.time_base > stop_after:
                snapshot = target.with_name("snapshot-" + target.name)
                shutil.copyfile(target, snapshot)
                writer.close()
                target.unlink()
                snapshot.rename(target)
                return target
            writer.write_video(packet)
        writer.close()
    return target


def _register(catalog: Catalog, layout: DataLayout, path: Path, start: datetime, state: str) -> int:
    new = NewSegment("cam", start, layout.relative(path), "h264", 320, 240, None)
    segment_id = catalog.add_segment(new)
    if state == "complete":
        end = start + timedelta(seconds=1)
        catalog.update_segment(segment_id, start=start, end=end, size=1, complete=True)
    return segment_id


def test_files_cut_off_anywhere_play_after_recovery_with_their_real_end_time(test_clip, data_dir):
    clip = test_clip(seconds=8)
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    rng = random.Random(3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    expected = {}
    for i in range(6):
        moment = start + timedelta(minutes=i)
        path = layout.segment_file("cam", moment)
        _write_segment(clip, path, stop_after=2.5 + i)
        size = path.stat().st_size
        if i % 3 == 1:  # power cut in the middle of a write: the tail is cut off
            with path.open("r+b") as f:
                f.truncate(rng.randint(size // 2, size - 1))
        elif i % 3 == 2:  # power cut: the last pages never reached the disk
            with path.open("ab") as f:
                f.write(b"\0" * 4096)
        expected[layout.relative(path)] = mp4_fragments.scan(path).playable_end
        _register(catalog, layout, path, moment, "recording")

    report = recover(catalog, layout, SystemClock())

    assert report.finished == 6 and report.deleted_rows == 0
    for segment in list_segments(catalog.read()):
        path = data_dir / segment.path
        assert segment.state == "complete"
        assert path.stat().st_size == expected[segment.path] == segment.bytes
        assert decode_problems(path) == "", segment.path
        assert abs(segment.seconds - media_seconds(path)) < 0.1
        assert segment.seconds >= 1.0
    assert catalog_disagreements(data_dir) == []


def test_orphans_both_ways_are_reconciled(test_clip, data_dir):
    clip = test_clip(seconds=4)
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    t0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    no_row = _write_segment(clip, layout.segment_file("cam", t0))
    header_only = layout.segment_file("cam", t0 + timedelta(minutes=1))
    _write_segment(clip, header_only, stop_after=0.0)
    no_file = layout.segment_file("cam", t0 + timedelta(minutes=2))
    _register(catalog, layout, no_file, t0 + timedelta(minutes=2), "complete")
    stranger = layout.camera_segments_dir("cam") / "notes.mp4"
    stranger.write_bytes(b"not ours")

    report = recover(catalog, layout, SystemClock())

    rows = list_segments(catalog.read())
    assert [r.path for r in rows] == [layout.relative(no_row)]
    assert rows[0].start == t0 and abs(rows[0].seconds - 4.0) < 0.1 and rows[0].state == "complete"
    assert not header_only.exists()
    assert stranger.exists(), "files that are not segments are left alone"
    assert (report.added, report.deleted_files, report.deleted_rows) == (1, 1, 1)


@pytest.mark.slow
def test_kill_9_during_recording_then_restart_every_file_plays_and_recording_resumes(
    rtsp_server, test_clip, data_dir, tmp_path, dozor_run
):
    clip = test_clip()
    server = rtsp_server({"a": clip, "b": clip})
    config = write_config(tmp_path / "dozor.toml", data_dir, {n: server.url(n) for n in ("a", "b")})

    daemon = dozor_run(config, tmp_path / "run1.log")
    assert wait_until(lambda: len(segments(data_dir)) >= 4, 20), daemon.log()
    time.sleep(1.5)  # in the middle of a segment
    daemon.kill()
    killed_at = datetime.now(UTC)
    unfinished = [s for s in segments(data_dir) if s.state == "recording"]
    assert len(unfinished) == 2, "both cameras were in the middle of a segment"
    time.sleep(12)

    restart = dozor_run(config, tmp_path / "run2.log")
    restarted_at = datetime.now(UTC)
    assert wait_until(
        lambda: all(any(s.start > restarted_at for s in segments(data_dir, n)) for n in ("a", "b")), 15
    ), restart.log()
    first_after = min(s.start for s in segments(data_dir) if s.start > restarted_at)
    print(f"\nrecording resumed {(first_after - restarted_at).total_seconds():.2f} s after the restart")
    time.sleep(2)
    assert restart.terminate() == 0

    found = segments(data_dir)
    assert all(s.state == "complete" for s in found)
    for segment in found:
        assert decode_problems(data_dir / segment.path) == "", segment.path
    assert catalog_disagreements(data_dir) == []
    for before in unfinished:
        after = next(s for s in found if s.id == before.id)
        lost = (killed_at - after.end).total_seconds()
        print(f"\n{after.path}: {lost:.2f} s before the kill lost; {after.seconds:.1f} s kept and playable")
        assert 0 <= lost <= 2.5, f"{after.path}: {lost:.1f} s lost at the kill"
    assert "2 unfinished segment(s) closed" in restart.log()
    layout = DataLayout(data_dir)
    conn = Catalog(layout).read()
    gaps = outages_between(conn, None, killed_at - timedelta(seconds=3), restarted_at)
    assert {o.camera for o in gaps if o.reason.code == OutageReason.RECORDER_NOT_RUNNING} == {"a", "b"}
