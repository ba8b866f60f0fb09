"""`dozor status`: cameras online/offline since when and why, disk, the retention horizon as people say
it ("13 d 22 h"), plate-reading counters and what needs attention, read from real stores; exit 1 when
something needs attention; `--json` for monitoring."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from dozor.cli import main
from edge.clock import SystemClock, age_text, to_epoch
from edge.layout import DataLayout
from plate_index.status import CameraCounters, write_status
from plate_index.store import open_store
from recorder.catalog import CameraStatus, Catalog, NewSegment
from recorder.reasons import OutageReason, Reason


def write_config(tmp_path, data_dir):
    path = tmp_path / "dozor.toml"
    path.write_text(
        f'[storage]\npath = "{data_dir}"\nmin_free_gb = 0\n'
        '[[cameras]]\nname = "road-north"\nurl = "rtsp://user:secret@10.0.0.11/s"\n'
        '[[cameras]]\nname = "yard"\nurl = "rtsp://10.0.0.12/s"\nlpr = false\n'
    )
    return path


def record(catalog, camera, start, seconds):
    segment = catalog.add_segment(NewSegment(camera, start, f"segments/{camera}/{to_epoch(start)}.mp4",
                                             "h264", 1280, 720, None))
    catalog.update_segment(segment, start=start, end=start + timedelta(seconds=seconds), size=2_000_000,
                           complete=True)


def seed(data_dir, *, updated_ago: float = 2.0):
    now = SystemClock().now()
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    record(catalog, "road-north", now - timedelta(days=13, hours=22, minutes=10), 60)
    record(catalog, "road-north", now - timedelta(seconds=70), 60)
    updated = now - timedelta(seconds=updated_ago)
    catalog.set_status(CameraStatus("road-north", "online", now - timedelta(hours=5), None, 25.0, 2048.0,
                                    updated, 0, updated))
    refused = Reason(OutageReason.CONNECTION_REFUSED)
    catalog.set_status(CameraStatus("yard", "offline", now - timedelta(minutes=12), refused,
                                    0, 0, None, 0, updated))
    catalog.close()
    conn = open_store(layout.plates_db)
    write_status(conn, [CameraCounters("road-north", 0, "running", to_epoch(now), frames_analysed=900,
                                       frames_dropped=7, sightings=31, worker_restarts=1)], to_epoch(now))
    conn.close()


def test_age_text_reads_like_people_say_it():
    assert age_text(13 * 86400 + 22 * 3600 + 600) == "13 d 22 h"
    assert age_text(5 * 3600 + 180) == "5 h 3 min"
    assert age_text(125) == "2 min 5 s" and age_text(42) == "42 s" and age_text(None) == "-"


def test_status_shows_cameras_disk_horizon_and_plate_reading(tmp_path, data_dir):
    seed(data_dir)
    result = CliRunner().invoke(main, ["status", "--config", str(write_config(tmp_path, data_dir))])
    out = result.output
    assert "recorder: running; 1 of 2 camera(s) online" in out
    assert "road-north       online" in out
    assert "yard             offline" in out and "connection refused" in out
    assert "retention horizon: 13 d 22 h" in out
    assert "last segment 10 s ago" in out or "last segment 11 s ago" in out
    assert "GB free of" in out
    assert "road-north       running          900        7        31        1" in out
    assert "needs attention:\n  - camera yard offline: connection refused" in out
    assert "secret" not in out, "no camera password"
    assert result.exit_code == 1


def test_status_json_for_monitoring(tmp_path, data_dir):
    seed(data_dir)
    result = CliRunner().invoke(main, ["status", "--config", str(write_config(tmp_path, data_dir)), "--json"])
    data = json.loads(result.output)
    assert data["recorder_running"] is True
    assert [(c["camera"], c["state"], c["why"]) for c in data["cameras"]] == [
        ("road-north", "online", ""), ("yard", "offline", "connection refused")]
    assert 13 * 86400 + 22 * 3600 <= data["retention_horizon_s"] < 13 * 86400 + 23 * 3600
    assert data["disk"]["recorded_gb"] == 0.0 and data["disk"]["free_gb"] > 0
    assert data["lpr"][0]["frames_dropped"] == 7 and data["lpr"][0]["worker_restarts"] == 1
    assert data["errors"] == ["camera yard offline: connection refused"]


def test_a_stopped_daemon_is_the_first_thing_status_says(tmp_path, data_dir):
    seed(data_dir, updated_ago=120)
    result = CliRunner().invoke(main, ["status", "--config", str(write_config(tmp_path, data_dir))])
    assert "recorder: NOT RUNNING; 0 of 2 camera(s) online" in result.output
    assert "the recorder is not running" in result.output.split("needs attention:")[1]
    assert result.exit_code == 1


def test_before_the_first_run_status_says_so_without_a_traceback(tmp_path, data_dir):
    result = CliRunner().invoke(main, ["status", "--config", str(write_config(tmp_path, data_dir))])
    assert "no status yet" in result.output and "no segment yet" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
