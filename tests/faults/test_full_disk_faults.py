"""Disk full (issue 6): the data folder on a small real file system (a tmpfs the test mounts; skipped
where mounting is not allowed) filled up by a file that is not Dozor's, while the real `dozor run`
records a drive-by camera and reads plates with the real models.

What an admin would notice: Dozor deletes its own oldest data, the video AND the plate sightings with
their crop and scene pictures that belonged to it (yesterday's, seeded by the test), keeps recording the
newest (new segments that play), says so in `dozor status` ("needs attention", exit 1, naming the other
files), and neither crashes nor spins: while the disk stays full (the ballast is not Dozor's to delete)
its CPU use and its log stay bounded. tests/test_disk_full.py covers the recorder alone (ENOSPC path).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from lpr_daemon import Daemon, write_config
from recording import decode_problems, segments, tmpfs, wait_until

from edge.clock import to_epoch
from edge.layout import DataLayout
from plate_index.images import write_sighting_images
from plate_index.store import NewSighting, insert_sighting, open_store
from recorder.catalog import Catalog, NewSegment

pytestmark = [pytest.mark.slow, pytest.mark.shared]

DISK_MB = 160
OLD_SEGMENTS = 6  # yesterday's video, each a copy of the clip (~9 MB)
WATCH_SECONDS = 20.0  # how long the full disk is watched for a crash or a loop
MAX_CPU = 1.2  # cores, averaged over the watch: recording + decoding for plate reading, no busy loop
MAX_LOG_LINES_PER_MINUTE = 30


def _seed_yesterday(data, clip) -> tuple[list, list[str]]:
    """Yesterday's recordings and, inside each, a sighting with its two pictures."""
    layout = DataLayout(data)
    catalog = Catalog(layout)
    conn = open_store(layout.plates_db)
    picture = np.full((60, 200, 3), 90, np.uint8)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    files, pictures = [], []
    for i in range(OLD_SEGMENTS):
        start = yesterday + timedelta(minutes=i)
        path = layout.segment_file("gate", start)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(clip, path)
        row = catalog.add_segment(NewSegment("gate", start, layout.relative(path), "h264", 1280, 720, None))
        catalog.update_segment(row, start=start, end=start + timedelta(seconds=36), size=path.stat().st_size,
                               complete=True)
        seen = to_epoch(start) + 5
        crop, scene = write_sighting_images(layout, "gate", seen, picture, picture)
        insert_sighting(conn, NewSighting("gate", f"BE{i:04d}XX", seen, seen + 2, 0.9, 4,
                                          crop_path=crop, scene_path=scene))
        files.append(path)
        pictures += [crop, scene]
    catalog.close()
    conn.close()
    return files, pictures


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_disk_filled_by_other_files_dozor_frees_its_oldest_data_alerts_and_records_on(
    tmp_path, model_dir, driveby_clips, rtsp_server, monkeypatch
):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    clip = driveby_clips[0]
    server = rtsp_server({"gate": clip.path})
    with tmpfs(tmp_path / "disk", DISK_MB) as data:
        old_files, old_pictures = _seed_yesterday(data, clip.path)
        config = write_config(tmp_path / "dozor.toml", data, model_dir, {"gate": server.url("gate")},
                              storage="min_free_gb = 0.03\n")
        daemon = Daemon(config, tmp_path / "dozor.log")
        try:
            # Plate reading has written today's pictures before the disk fills.
            assert wait_until(lambda: len(daemon.sightings()) > OLD_SEGMENTS, 150), daemon.log()
            ballast = data / "someone-elses-backup.bin"
            with ballast.open("wb") as out:
                out.write(b"\0" * (shutil.disk_usage(data).free - 512 * 1024))
            full_at = datetime.now(UTC)
            freed = wait_until(lambda: not old_files[0].exists(), 90)
            assert freed, "Dozor freed none of its oldest video\n" + daemon.log()
            pictures_gone = wait_until(lambda: not (data / old_pictures[0]).exists(), 30)
            log_lines, cpu = len(daemon.log().splitlines()), _cpu_seconds(daemon.pid)
            time.sleep(WATCH_SECONDS)
            log_rate = (len(daemon.log().splitlines()) - log_lines) * 60 / WATCH_SECONDS
            cpu = (_cpu_seconds(daemon.pid) - cpu) / WATCH_SECONDS
            code, status = daemon.status_json()
            alive = daemon.process.poll() is None
        finally:
            daemon.terminate()
        new = [s for s in segments(data, "gate") if s.start > full_at and s.state == "complete"]
        deleted = [not p.exists() for p in old_files]
        kept_pictures = [p for p in old_pictures if (data / p).exists()]
        with closing(sqlite3.connect(DataLayout(data).plates_db)) as conn:
            rows = conn.execute("SELECT plate, first_seen FROM sightings").fetchall()
        oldest_video = min(to_epoch(s.start) for s in segments(data, "gate"))
        free_mb = shutil.disk_usage(data).free / 1e6
        attention = [e for e in status["errors"] if "disk" in e]
        print(f"disk full: {sum(deleted)}/{OLD_SEGMENTS} old segments and "
              f"{len(old_pictures) - len(kept_pictures)}/{len(old_pictures)} old pictures freed, "
              f"{len(new)} new segments, cpu {cpu:.2f} cores, {log_rate:.0f} log lines/min, "
              f"free {free_mb:.0f} MB, alert: {attention}")
        assert alive and daemon.process.returncode == 0, daemon.log()
        assert deleted == sorted(deleted, reverse=True) and deleted[0], "the oldest go first"
        assert pictures_gone, "the pictures of sightings whose video was deleted stayed"
        # No sighting (nor its pictures) is kept for video that is gone.
        assert all(first_seen >= oldest_video - 2 for _, first_seen in rows), (rows, oldest_video)
        assert len(kept_pictures) == 2 * sum(1 for plate, _ in rows if plate.endswith("XX"))
        assert len(old_pictures) - len(kept_pictures) == 2 * sum(deleted), "pictures outlived their video"
        assert len(new) >= 3
        for segment in new:
            assert decode_problems(data / segment.path) == "", segment.path
        assert code == 1 and attention and "other files" in attention[0], status["errors"]
        assert cpu <= MAX_CPU and log_rate <= MAX_LOG_LINES_PER_MINUTE, daemon.log()[-3000:]
        assert ballast.exists(), "the ballast is not Dozor's to delete"
