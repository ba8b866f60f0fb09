"""The whole plate pipeline on real drive-by clips with the real models: feeder, motion gate, shared
memory, worker process, grouping, store, then `dozor search` for every car. Frames come from the clip
files through tests.plate_clips.ClipTap (the RTSP end-to-end test uses the recorder's own tap)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time

import pytest
from click.testing import CliRunner
from plate_clips import CARS_PER_CLIP, ClipTap, make_test_clips, score

from edge.cli import main
from edge.config import load_config
from edge.layout import DataLayout
from plate_index.service import LprService

pytestmark = [pytest.mark.slow, pytest.mark.shared]


@pytest.fixture(scope="session")
def driveby_clips(plates_dir, model_dir, tmp_path_factory):
    return make_test_clips(plates_dir, model_dir, tmp_path_factory.getbasetemp() / "driveby")



def _config(tmp_path, model_dir, cameras):
    path = tmp_path / "dozor.toml"
    text = f'[storage]\npath = "{tmp_path / "data"}"\n[lpr]\nmodel_dir = "{model_dir}"\n'
    for name in cameras:
        text += f'[[cameras]]\nname = "{name}"\nurl = "rtsp://127.0.0.1/{name}"\n'
    path.write_text(text)
    return load_config(path), path


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _run(service, taps, extra=None):
    service.start()
    _wait(lambda: all(w["ready"] for w in service.health["workers"]), 60, "the LPR worker to load the models")
    for tap in taps.values():
        tap.go.set()
    if extra:
        extra()
    _wait(lambda: all(t.finished.is_set() for t in taps.values()), 180, "the clips to finish playing")
    time.sleep(1)
    service.stop()


def _sightings(config):
    conn = sqlite3.connect(DataLayout(config.storage.path).plates_db)
    return conn.execute("SELECT camera, plate, first_seen FROM sightings ORDER BY first_seen").fetchall()


def test_every_car_is_found_by_its_first_three_characters(tmp_path, model_dir, driveby_clips, monkeypatch):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    clips = {f"cam-{i}": clip for i, clip in enumerate(driveby_clips)}
    config, config_path = _config(tmp_path, model_dir, list(clips))
    taps = {name: ClipTap(name, clip.path, start_now=False) for name, clip in clips.items()}
    service = LprService(config, taps)
    _run(service, taps)

    found, cars = 0, 0
    for camera, clip in clips.items():
        for car in clip.passes:
            cars += 1
            args = ["search", car.plate[:3], "--config", str(config_path), "--json", "--camera", camera]
            result = CliRunner().invoke(main, args)
            plates = [json.loads(line)["plate"] for line in result.stdout.splitlines()]
            found += car.plate in plates
    figures = score(_sightings(config), clips)
    counters = service.health["cameras"]
    print(f"lpr e2e (clip frames): found={found}/{cars} "
          f"sightings_per_pass={figures['sightings_per_pass']:.2f} "
          f"stray_max_per_clip={figures['stray_max_per_clip']} counters={counters}")
    assert found >= 0.95 * cars
    assert figures["sightings_per_pass"] <= 1.2
    assert figures["stray_max_per_clip"] <= 1
    for camera in clips:
        assert counters[camera]["frames_skipped_motion"] > 0  # the static gaps between cars


def test_killed_worker_comes_back_and_reads_again(tmp_path, model_dir, driveby_clips, monkeypatch):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    clip = driveby_clips[0]
    config, _ = _config(tmp_path, model_dir, ["cam-0"])
    taps = {"cam-0": ClipTap("cam-0", clip.path, loops=2, start_now=False)}
    service = LprService(config, taps)
    killed = []

    def kill_then_wait():
        time.sleep(clip.duration * 0.5)
        (pid,) = service.worker_pids()
        os.kill(pid, signal.SIGKILL)
        killed.append((pid, time.monotonic()))
        _wait(lambda: service.health["workers"][0]["ready"] and service.worker_pids() != [pid], 30,
              "the worker to come back")
        killed.append(time.monotonic())

    _run(service, taps, kill_then_wait)
    back_after = killed[1] - killed[0][1]
    health = service.health
    print(f"lpr worker back {back_after:.1f} s after SIGKILL")
    assert health["workers"][0]["restarts"] == 1
    assert health["cameras"]["cam-0"]["worker_restarts"] == 1
    assert back_after < 15
    # Cars of the second loop (all after the restart) are read again.
    second_loop = [s for s in _sightings(config) if s[2] > time.time() - clip.duration]
    assert len({p for _, p, _ in second_loop} & {p.plate for p in clip.passes}) >= CARS_PER_CLIP - 1


def test_missing_models_turn_plate_reading_off_with_one_clear_error(tmp_path, caplog, monkeypatch):
    empty = tmp_path / "models"
    empty.mkdir()
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(empty))
    config, _ = _config(tmp_path, empty, ["cam-0"])
    service = LprService(config, {"cam-0": ClipTap("cam-0", tmp_path / "unused.mp4", start_now=False)})
    with caplog.at_level("ERROR"):
        service.start()
        service.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and str(empty) in errors[0] and "recording goes on" in errors[0]
    assert service.health["enabled"] is False and service.worker_pids() == []
    status = sqlite3.connect(DataLayout(config.storage.path).plates_db).execute(
        "SELECT state, last_error FROM lpr_status").fetchone()
    assert status[0] == "disabled" and str(empty) in status[1]


def test_overload_drops_frames_and_counts_them_without_blocking_the_tap(
    tmp_path, model_dir, driveby_clips, monkeypatch
):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    path = tmp_path / "dozor.toml"
    path.write_text(
        f'[storage]\npath = "{tmp_path / "data"}"\n[lpr]\nmodel_dir = "{model_dir}"\nsample_fps = 25\n'
        '[[cameras]]\nname = "cam-0"\nurl = "rtsp://127.0.0.1/x"\n[cameras.motion]\nenabled = false\n'
    )
    tap = ClipTap("cam-0", driveby_clips[0].path, start_now=False)
    service = LprService(load_config(path), {"cam-0": tap})
    service.start()
    _wait(lambda: all(w["ready"] for w in service.health["workers"]), 60, "the worker")
    tap.go.set()
    time.sleep(8)
    counters = dict(service.health["cameras"]["cam-0"])
    service.stop()
    # 25 frames/s offered, ~10 analysed: the rest is dropped and counted, and the feeder kept up with
    # the tap (its 2-frame queue overflowed only a little).
    assert counters["frames_dropped"] > counters["frames_analysed"] * 0.5
    assert counters["frames_analysed"] > 20
    offered = counters["frames_dropped"] + counters["frames_analysed"]
    assert offered >= 0.8 * 8 * 25 - 10
