"""`dozor run`, `dozor segments`, `dozor cameras` as an installer uses them; never a password in sight."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from recording import REPO, segments, wait_until, write_config

from edge.clock import parse_utc
from edge.layout import DataLayout
from recorder.catalog import CameraStatus, Catalog, NewSegment
from recorder.reasons import OutageReason, Reason

PASSWORD = "s3cret-Pw9"


def dozor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dozor", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=60)


def _catalog_with_history(data_dir):
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    start = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    for camera in ("gate", "road"):
        for i in range(2):
            moment = start + timedelta(minutes=i)
            path = layout.segment_file(camera, moment)
            new = NewSegment(camera, moment, layout.relative(path), "h264", 1280, 720, None)
            row = catalog.add_segment(new)
            catalog.update_segment(row, start=moment, end=moment + timedelta(seconds=60), size=15_000_000,
                                   complete=True)
    catalog.set_status(CameraStatus("gate", "online", start, None, 25.0, 2048.0, start, 0, datetime.now(UTC)))
    refused = Reason(OutageReason.CONNECTION_REFUSED)
    catalog.set_status(CameraStatus("road", "offline", start, refused, 0, 0, None, 0,
                                    datetime.now(UTC) - timedelta(minutes=5)))
    catalog.close()
    return start


def test_segments_json_lists_each_segment_with_utc_times_and_its_file(tmp_path, data_dir):
    start = _catalog_with_history(data_dir)
    config = write_config(tmp_path / "c.toml", data_dir, {"gate": "rtsp://10.0.0.1/s", "road": "rtsp://10.0.0.2/s"})

    done = dozor("segments", "--config", str(config), "--camera", "gate", "--json")

    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 2
    first = rows[0]
    assert {"camera", "start", "end", "path", "bytes", "codec", "width", "height"} <= set(first)
    assert first["camera"] == "gate" and first["start"] == "2026-05-01T10:00:00.000Z"
    assert parse_utc(first["end"]) == start + timedelta(seconds=60)
    assert first["path"].startswith(str(data_dir)) and first["path"].endswith(".mp4")
    assert [first[k] for k in ("bytes", "codec", "width", "height")] == [15_000_000, "h264", 1280, 720]


def test_segments_table_shows_local_times_and_unknown_cameras_are_an_error(tmp_path, data_dir):
    start = _catalog_with_history(data_dir)
    config = write_config(tmp_path / "c.toml", data_dir, {"gate": "rtsp://10.0.0.1/s"})

    table = dozor("segments", "--config", str(config))
    unknown = dozor("segments", "--config", str(config), "--camera", "nope")

    assert table.returncode == 0
    assert start.astimezone().strftime("%Y-%m-%d %H:%M:%S") in table.stdout
    assert "4 segment(s)" in table.stdout
    assert unknown.returncode == 1 and "no camera named 'nope'" in unknown.stderr and "gate" in unknown.stderr


def test_cameras_says_online_since_when_and_why_offline(tmp_path, data_dir):
    _catalog_with_history(data_dir)
    cams = {"gate": "rtsp://10.0.0.1/s", "road": "rtsp://10.0.0.2/s", "new": "rtsp://10.0.0.3/s"}
    config = write_config(tmp_path / "c.toml", data_dir, cams)

    rows = {r["camera"]: r for r in map(json.loads, dozor("cameras", "--config", str(config), "--json")
                                        .stdout.splitlines())}
    table = dozor("cameras", "--config", str(config)).stdout

    gate = rows["gate"]
    assert gate["state"] == "online" and gate["fps"] == 25.0 and gate["kbps"] == 2048.0
    assert rows["gate"]["since"] == "2026-05-01T10:00:00.000Z"
    assert rows["road"]["state"] == "offline" and rows["road"]["why"] == "the recorder is not running"
    assert rows["new"]["state"] == "offline" and "no status yet" in rows["new"]["why"]
    assert "online" in table and "the recorder is not running" in table


@pytest.mark.slow
def test_camera_passwords_never_appear_in_logs_cli_output_or_the_catalog(
    rtsp_server, test_clip, data_dir, tmp_path, dozor_run
):
    server = rtsp_server({"gate": test_clip()}, auth=f"viewer:{PASSWORD}")
    cams = {
        "good": server.url("gate", user="viewer", password=PASSWORD),
        "wrong": server.url("gate", user="viewer", password=PASSWORD + "x"),
    }
    config = write_config(tmp_path / "c.toml", data_dir, cams)
    daemon = dozor_run(config, tmp_path / "run.log", "--log-level", "DEBUG")
    assert wait_until(lambda: segments(data_dir, "good"), 15), daemon.log()
    time.sleep(2)
    outputs = [dozor(*cmd, "--config", str(config)) for cmd in
               (["cameras"], ["cameras", "--json"], ["segments"], ["segments", "--json"])]
    assert daemon.terminate() == 0
    bad = write_config(tmp_path / "bad.toml", data_dir, {"Bad Name": cams["good"]})
    check = dozor("check-config", str(bad))

    wrong = json.loads(outputs[1].stdout.splitlines()[1])
    assert (wrong["camera"], wrong["state"]) == ("wrong", "offline")
    assert wrong["why"].startswith("unauthorized")
    texts = [daemon.log(), check.stdout + check.stderr] + [o.stdout + o.stderr for o in outputs]
    texts.append(subprocess.run(["sqlite3", str(DataLayout(data_dir).catalog_db), ".dump"],
                                capture_output=True, text=True).stdout)
    assert "viewer:***@" in daemon.log(), "the log names the camera, with the password masked"
    for text in texts:
        assert PASSWORD not in text


def test_a_second_daemon_on_the_same_data_folder_is_refused(tmp_path, data_dir, dozor_run):
    config = write_config(tmp_path / "c.toml", data_dir, {})
    first = dozor_run(config, tmp_path / "first.log")
    assert wait_until(lambda: (data_dir / ".dozor-run.lock").exists(), 10)
    time.sleep(0.5)
    second = dozor("run", "--config", str(config))
    assert first.terminate() == 0
    assert second.returncode == 1 and "another `dozor run` is already recording" in second.stderr
