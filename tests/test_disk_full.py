"""A disk that fills anyway (ENOSPC): the recorder frees space and records on, it does not crash or stop.

Runs on a real 96 MiB tmpfs that the test mounts (skipped where it cannot), pre-filled with old
recordings and a ballast file, so the very next fragment the recorder writes fails with ENOSPC.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import av
import pytest
from recording import decode_problems, make_config, running_recorder, segments, tmpfs, wait_until

from edge.layout import DataLayout
from recorder.catalog import Catalog, NewSegment
from recorder.segment_writer import SegmentWriter


@pytest.mark.slow
def test_full_disk_frees_the_oldest_recordings_and_recording_goes_on(
    rtsp_server, test_clip, tmp_path, caplog
):
    clip = test_clip(width=640, height=360, bitrate=1_000_000)
    server = rtsp_server({"cam": clip})
    with tmpfs(tmp_path / "disk", 96) as data_dir:
        layout = DataLayout(data_dir)
        catalog = Catalog(layout)
        yesterday = datetime.now(UTC) - timedelta(days=1)
        old = []
        for i in range(64):  # ~48 MB of yesterday's recordings
            start = yesterday + timedelta(minutes=i)
            path = layout.segment_file("cam", start)
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(clip, path)
            row = catalog.add_segment(NewSegment("cam", start, layout.relative(path), "h264", 640, 360, None))
            catalog.update_segment(row, start=start, end=start + timedelta(minutes=1),
                                   size=path.stat().st_size, complete=True)
            old.append(path)
        catalog.close()
        ballast = data_dir / "ballast"
        ballast.write_bytes(b"\0" * (shutil.disk_usage(data_dir).free - 256 * 1024))

        config = make_config(data_dir, {"cam": server.url("cam")})
        caplog.set_level(logging.INFO)
        with running_recorder(config) as recorder:
            full_at = datetime.now(UTC)
            assert wait_until(lambda: any(not p.exists() for p in old), 20), "no space was freed"
            assert wait_until(lambda: len([s for s in segments(data_dir) if s.start > full_at]) >= 3, 30)
            alive = recorder.cameras["cam"].is_alive()
            state = recorder.cameras["cam"].status.state

        assert alive and state == "online"
        deleted = [not p.exists() for p in old]
        assert deleted[0] and not deleted[-1], "the oldest go first, the newest old ones stay"
        assert deleted == sorted(deleted, reverse=True)
        new = [s for s in segments(data_dir) if s.start > full_at]
        for segment in new:
            assert decode_problems(data_dir / segment.path) == "", segment.path
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "disk is full" in errors[0].getMessage()
        assert any("written again" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_catalog_full_during_a_refresh_abandons_the_segment_and_recording_goes_on(
    rtsp_server, test_clip, tmp_path, monkeypatch
):
    """The catalog refuses the 5-second refresh ("database or disk is full") once: the segment is
    abandoned, and the next packets must not reach its closed writer (FFmpeg crashed the daemon so)."""
    server = rtsp_server({"cam": test_clip()})
    config = make_config(tmp_path / "data", {"cam": server.url("cam")}, segment_seconds=30)
    failures = []
    real_update = Catalog.update_segment

    def update_once_full(self, segment_id, **fields):
        if not failures and not fields.get("complete"):
            failures.append(segment_id)
            raise sqlite3.OperationalError("database or disk is full")
        return real_update(self, segment_id, **fields)

    monkeypatch.setattr(Catalog, "update_segment", update_once_full)
    with running_recorder(config) as recorder:
        assert wait_until(lambda: failures, 15), "the refresh never ran"
        started = datetime.now(UTC)
        assert wait_until(lambda: [s for s in segments(tmp_path / "data") if s.start > started], 15)
        alive = recorder.cameras["cam"].is_alive()
    assert alive


def test_a_closed_segment_refuses_packets_instead_of_crashing(test_clip, tmp_path):
    clip = test_clip()
    with av.open(str(clip)) as source:
        stream = source.streams.video[0]
        writer = SegmentWriter(tmp_path / "seg.mp4", stream)
        packets = (p for p in source.demux(stream) if p.size)
        writer.write_video(next(packets))
        writer.close()
        with pytest.raises(OSError):
            writer.write_video(next(packets))
