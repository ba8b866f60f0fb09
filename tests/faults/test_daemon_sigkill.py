"""The daemon killed with SIGKILL at random moments (issue 6): the real `dozor run` recording two
drive-by cameras with plate reading on (real models), killed again and again and restarted each time.

What a user would notice afterwards: every recorded file plays, every SQLite database in the data folder
passes `PRAGMA integrity_check`, the catalog and the disk agree, no car is listed twice for one pass,
the cars that passed while the daemon was up (and well before a kill) are found (95 %, plate reading's
own bar without kills), recording resumes
within seconds of each restart, and no plate-reading worker of a killed daemon lives on. The moments
are random but seeded: the seed is printed, and DOZOR_FAULT_SEED replays a run.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from plate_clips import DriveByClip
from recording import catalog_disagreements, decode_problems, segments, wait_until
from resources import alive, children

from edge.clock import to_epoch
from edge.layout import DataLayout

pytestmark = [pytest.mark.slow, pytest.mark.shared]

# How long the daemon reads plates before a kill (uniform, seeded). At least 18 s: a 3-s pass starts
# every 4.5 s, and one must fit between a second after reading starts and PASS_MARGIN before the kill
# (1 + 4.5 + 3 + 8 = 16.5 s), or a short run has no car to find (CI once drew 14.6 and 13.2 s).
UP_SECONDS = (18.0, 30.0)
DOWN_SECONDS = (0.5, 3.0)  # how long it stays dead
# Recording must be back this soon after `dozor run` is started again. It includes the interpreter's
# start-up and imports: ~1-4 s here, but 13 s was seen while other suites loaded both cores.
RESUME_SECONDS = 15.0
WORKER_EXIT_SECONDS = 5.0  # a killed daemon's LPR workers must be gone by then
# A car counts as "well before a kill" when its pass ended this long before it: the sighting closes
# sighting_gap_seconds (4) after its last read, plus the worker's backlog of at most a few frames.
PASS_MARGIN = 8.0
MATCH_SLACK = 3.0  # a sighting belongs to a pass when its first read lies within the pass +- this


def _write_config(path: Path, data: Path, model_dir: Path, urls: dict[str, str]) -> Path:
    text = (f'[storage]\npath = "{data}"\nmin_free_gb = 0\n[recorder]\nsegment_seconds = 5\n'
            f'live_fps = 0\n[lpr]\nmodel_dir = "{model_dir}"\n[web]\nenabled = false\n')
    text += "".join(f'[[cameras]]\nname = "{n}"\nurl = "{u}"\nlpr = true\n' for n, u in urls.items())
    path.write_text(text)
    return path


def _analysed(data: Path, since: datetime) -> int:
    """Frames the LPR workers of the daemon started at `since` have analysed (each run starts its
    counters again; 0 before the plate store exists)."""
    sql = "SELECT coalesce(sum(frames_analysed), 0) FROM lpr_status WHERE since >= ?"
    try:
        with closing(sqlite3.connect(DataLayout(data).plates_db)) as conn:
            return conn.execute(sql, (to_epoch(since),)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _clip_starts(data: Path, cameras: dict, moment: datetime) -> dict[str, float] | None:
    """Per camera, the epoch start of its first segment since `moment` (None until every camera has one)."""
    starts = {c: [s.start for s in segments(data, c) if s.start >= moment] for c in cameras}
    return {c: to_epoch(min(found)) for c, found in starts.items()} if all(starts.values()) else None


def _passes_to_find(clip: DriveByClip, clip_start: float, reading_from: float, killed: float):
    """(plate, start, end) in epoch seconds of each car pass the run should have found: the server
    restarts a camera's clip when the daemon connects, so clip time 0 is the camera's first segment."""
    found, loop = [], 0
    while clip_start + loop * clip.duration < killed:
        base = clip_start + loop * clip.duration
        for car in clip.passes:
            start, end = base + car.start, base + car.end
            if start >= reading_from + 1 and end + PASS_MARGIN <= killed:
                found.append((car.plate, start, end))
        loop += 1
    return found


def _integrity(data: Path) -> dict[str, str]:
    results = {}
    for db in sorted(data.rglob("*.db")):
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            results[db.name] = ", ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    return results


def _overlapping_sightings(rows: list[tuple[str, str, float, float]]) -> list[tuple]:
    """Pairs of sightings of one plate on one camera whose times overlap (one pass listed twice)."""
    pairs = []
    by_car: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for camera, plate, first, last in rows:
        by_car.setdefault((camera, plate), []).append((first, last))
    for car, spans in by_car.items():
        spans.sort()
        pairs += [(car, a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] <= a[1]]
    return pairs


def test_daemon_killed_at_random_moments_leaves_playable_files_sound_databases_and_no_lost_sighting(
    tmp_path, model_dir, driveby_clips, rtsp_server, dozor_run, fault_rounds, monkeypatch
):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    rounds = fault_rounds(10, 2)
    seed = int(os.environ.get("DOZOR_FAULT_SEED") or time.time())
    rng = random.Random(seed)
    print(f"\n{rounds} kills, seed {seed} (DOZOR_FAULT_SEED={seed} replays the moments)")
    clips = {f"cam-{i}": clip for i, clip in enumerate(driveby_clips)}
    server = rtsp_server({name: clip.path for name, clip in clips.items()})
    data = tmp_path / "data"
    config = _write_config(tmp_path / "dozor.toml", data, model_dir, {n: server.url(n) for n in clips})
    expected: list[tuple[str, str, float, float]] = []  # camera, plate, pass start, pass end
    resumed_after: list[float] = []
    for number in range(1, rounds + 2):  # the last run is stopped cleanly, after its recovery
        spawned = datetime.now(UTC)
        daemon = dozor_run(config, tmp_path / f"run-{number}.log")
        assert wait_until(lambda t=spawned: _clip_starts(data, clips, t), 30), daemon.log()
        clip_start = _clip_starts(data, clips, spawned)
        resumed_after.append(max(clip_start.values()) - to_epoch(spawned))
        if number > rounds:
            time.sleep(3)
            assert daemon.terminate(timeout=40) == 0, daemon.log()
            break
        assert wait_until(lambda t=spawned: _analysed(data, t) > 0, 60), "no frame read\n" + daemon.log()
        reading_from = time.time()
        time.sleep(rng.uniform(*UP_SECONDS))
        workers = children(daemon.process.pid, b"spawn_main")
        daemon.kill()
        killed = time.time()
        for camera, clip in clips.items():
            passes = _passes_to_find(clip, clip_start[camera], reading_from, killed)
            expected += [(camera, *p) for p in passes]
        print(f"kill {number}: {killed - reading_from:.1f} s after plate reading started, "
              f"recording resumed {resumed_after[-1]:.1f} s after the start")
        assert wait_until(lambda pids=workers: not any(map(alive, pids)), WORKER_EXIT_SECONDS), (
            f"kill {number}: LPR workers {[w for w in workers if alive(w)]} outlived the killed daemon")
        time.sleep(rng.uniform(*DOWN_SECONDS))

    found = segments(data)
    problems = {s.path: decode_problems(data / s.path) for s in found}
    integrity = _integrity(data)
    with closing(sqlite3.connect(DataLayout(data).plates_db)) as conn:
        rows = conn.execute("SELECT camera, plate, first_seen, last_seen FROM sightings").fetchall()
    missed = [(c, p, round(s)) for c, p, s, e in expected
              if not any((r[0], r[1]) == (c, p) and s - MATCH_SLACK <= r[2] <= e + MATCH_SLACK for r in rows)]
    twice = _overlapping_sightings(rows)
    print(f"recording resumed after each start within {max(resumed_after):.1f} s "
          f"({', '.join(f'{r:.1f}' for r in resumed_after)})")
    print(f"{len(found)} segments, {sum(1 for p in problems.values() if p)} with decoding errors; "
          f"integrity: {integrity}")
    print(f"sightings: {len(rows)}; cars to find {len(expected)}, missed {len(missed)} {missed}; "
          f"overlapping duplicates {len(twice)}")
    assert {path: p for path, p in problems.items() if p} == {}
    assert integrity and set(integrity.values()) == {"ok"}, integrity
    assert catalog_disagreements(data) == []
    assert all(s.state == "complete" for s in found)
    assert twice == []
    # Plate reading itself misses a pass now and then without any kill (test_lpr_rtsp.py allows 5 %):
    # the bar is the same, so what is measured here is what the kills cost on top of it.
    assert expected and len(missed) <= 0.05 * len(expected), missed
    assert max(resumed_after) <= RESUME_SECONDS
