"""Soak: the real daemon on 24 simulated cameras with plate reading, for minutes, on this machine.

Each camera is a 1280x720 ~2 Mbit/s clip (bench/soak_clips.py, cached in bench/out/soak/) served in a
loop by the real RTSP test server (dozor/demo/rtsp_server.py). `--traffic` says what the cameras see:
`busy` (a drive-by of a real car photo every 4.5 s), `village` (one every 30 s) or `empty` (the road and
its sensor noise only). `dozor run --no-web` (as dozor.service runs it; the web UI is its own unit in
production) records them with LPR on, the real models and production defaults (60 s segments, live
pictures, lpr.sample_fps 5, one LPR worker). Every few seconds the CPU of the daemon (and of its frame
taps' decoding threads within it), of its LPR workers (the models), of the RTSP server (test load, not
Dozor) and of the whole machine (other work distorts every figure, so it is shown), the RSS/PSS and the
LPR counters (plates.db's lpr_status, what `dozor status` shows) are sampled, and plates.db is watched
for new sightings. At the end: the share of the window (warm-up end to stop) each camera's catalog
covers; whether `dozor search <first 3 characters> --camera CAM` finds every car of the clips (all are
cars whose still photo the models read exactly); the share of the car passes in the window that were
read, and from each car's first frame to its sighting being searchable, p50 and p95
(bench/soak_passes.py); then the motion gate's recall on the same clips (bench/gate_recall.py).

    .venv/bin/python bench/soak.py [--cameras 24] [--minutes 10] [--traffic busy|village|empty]
    .venv/bin/python bench/soak.py --sweep 1,2,4,8,16,24 [--minutes 2]   # where plate reading saturates
Options --sample-fps, --lpr-workers, --lpr-cameras (plate reading on the first K cameras only; 0 =
recording only) and --substream (plate reading from a 640x360 `lpr_url` sub-stream of each camera) show
what moves the saturation point. Needs DOZOR_SHARED_DIR and DOZOR_MODEL_DIR (the Makefile sets them).
Last line: `soak traffic=T cameras=N ... passes_read=P% latency_p95_s=L recorded_min=X rss_mb=Y
plates_found=A/B cpu_cores=C decode_cores=D model_cores=M` (rss_mb: peak RSS of the daemon and its
workers; cpu_cores: theirs, the RTSP server excluded).
Sweep: `soak_sweep drops_start_at=K misses_start_at=L ...`: drops "start" where more than 1 % of the
frames sent to the models drop, misses where a car of the clips is no longer found.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from plate_clips import DriveByClip, score  # noqa: E402
from recording import covered_seconds, segments, wait_until  # noqa: E402
from soak_clips import TRAFFIC, camera_clips, readable_cars, substream  # noqa: E402
from soak_passes import SightingWatch, pass_figures  # noqa: E402
from soak_procs import Sample, Tracker  # noqa: E402
from soak_report import Result, report, summary_line, sweep_lines  # noqa: E402

from dozor.demo.simulated_cameras import RtspServer, gi_problem  # noqa: E402
from edge.clock import SystemClock  # noqa: E402
from edge.config import load_config  # noqa: E402
from edge.layout import DataLayout  # noqa: E402
from health.status import lpr_counters, take_snapshot  # noqa: E402

OUT = REPO / "bench" / "out"
COUNTERS = ("frames_analysed", "frames_skipped_motion", "frames_dropped", "frames_spared", "reads",
            "sightings", "worker_restarts")
SETTLE_SECONDS = 10.0  # a pass this close to the window's end may not be searchable yet: not counted


def write_config(path: Path, data: Path, server: RtspServer, lpr: list[str], args: argparse.Namespace
                 ) -> Path:
    """Production defaults but for the data folder, the web UI (its own unit) and the knobs of the run."""
    lines = [f'[storage]\npath = "{data}"\nmin_free_gb = 0\n',
             f"[lpr]\nsample_fps = {args.sample_fps}\nworkers = {args.lpr_workers}\n",
             "[web]\nenabled = false\n"]
    for name in (n for n in server.cameras if not n.endswith("-sub")):
        reads = "true" if name in lpr else "false"
        lines.append(f'[[cameras]]\nname = "{name}"\nurl = "{server.url(name)}"\nlpr = {reads}')
        if args.substream and name in lpr:
            lines.append(f'lpr_url = "{server.url(name + "-sub")}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def lpr_now(data: Path) -> dict[str, dict[str, int]]:
    return {row["camera"]: {c: row.get(c, 0) for c in COUNTERS} for row in lpr_counters(DataLayout(data))}


def run_soak(cameras: int, minutes: float, clips: list[DriveByClip], args: argparse.Namespace) -> Result:
    work = Path(tempfile.mkdtemp(prefix=f"soak-{cameras}-", dir=OUT))
    by_camera = {f"cam-{i + 1:02d}": clips[i] for i in range(cameras)}
    lpr = list(by_camera)[: cameras if args.lpr_cameras is None else args.lpr_cameras]
    mounts = {name: clip.path for name, clip in by_camera.items()}
    if args.substream:
        mounts |= {f"{name}-sub": substream(by_camera[name]) for name in lpr}
    server = RtspServer(mounts, work / "rtsp-server.log")
    server.start()
    data = work / "data"
    config_path = write_config(work / "dozor.toml", data, server, lpr, args)
    config, clock, notes = load_config(config_path), SystemClock(), []
    log = (work / "dozor.log").open("wb")
    daemon = subprocess.Popen([sys.executable, "-m", "dozor", "run", "--no-web", "--config",
                               str(config_path)],
                              cwd=REPO, stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    tracker = Tracker(daemon.pid, server.process.pid)  # type: ignore[union-attr]
    watch = SightingWatch(DataLayout(data).plates_db)
    watch.start()
    try:
        if not wait_until(lambda: _ready(config, data, cameras, len(lpr)), 120, interval=1):
            notes.append("not every camera was online with plate reading running after 120 s")
        time.sleep(args.warmup)
        start, first, lpr_first = clock.now(), tracker.sample(), lpr_now(data)
        bench_cpu = time.process_time()
        peaks, last = _peaks(first, {}), first
        deadline, next_line = time.monotonic() + minutes * 60, time.monotonic() + 60
        while time.monotonic() < deadline and daemon.poll() is None:
            time.sleep(min(args.interval, max(0.0, deadline - time.monotonic())))
            last = tracker.sample()
            peaks = _peaks(last, peaks)
            if time.monotonic() >= next_line:
                next_line += 60
                _progress(start, clock.now(), first, last, lpr_now(data), cameras)
        end, lpr_last = clock.now(), lpr_now(data)
        bench_cpu = time.process_time() - bench_cpu
        if daemon.poll() is not None:
            notes.append(f"the daemon exited early with status {daemon.returncode}; see {work / 'dozor.log'}")
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(90)
            except subprocess.TimeoutExpired:
                notes.append("the daemon did not stop within 90 s of SIGTERM: killed")
                daemon.kill()
                daemon.wait()
        server.close()
        watch.stop()
    seconds = (end - start).total_seconds()
    result = Result(
        cameras=cameras, lpr_cameras=len(lpr), seconds=seconds, sample_fps=args.sample_fps, notes=notes,
        memory=peaks,
        recorded={cam: covered_seconds(segments(data, cam), start, end) / seconds for cam in by_camera},
        found=_found(config_path, {cam: by_camera[cam] for cam in lpr}),
        lpr={cam: {c: lpr_last.get(cam, {}).get(c, 0) - lpr_first.get(cam, {}).get(c, 0) for c in COUNTERS}
             for cam in lpr},
        cores=_cores(first, last, seconds, bench_cpu),
    )
    reading = {cam: by_camera[cam] for cam in lpr}
    result.quality = _quality(data, reading)
    starts = {cam: found[0].start for cam in lpr if (found := segments(data, cam))}
    result.passes = pass_figures(reading, starts, _sightings(data), watch.visible, (start, end),
                                 SETTLE_SECONDS)
    if args.keep:
        result.notes.append(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _ready(config, data: Path, cameras: int, lpr: int) -> bool:
    """Every camera online and plate reading running on each that reads plates."""
    running = sum(r["state"] == "running" for r in lpr_counters(DataLayout(data)))
    return running == lpr and take_snapshot(config, SystemClock().now()).cameras_online == cameras


def _peaks(sample: Sample, peaks: dict[str, float]) -> dict[str, float]:
    now = {"daemon_rss_mb": sample.daemon_rss, "total_rss_mb": sample.total_rss,
           "total_pss_mb": sample.total_pss}
    return {k: max(v, peaks.get(k, 0.0)) for k, v in now.items()}


def _cores(first: Sample, last: Sample, seconds: float, bench_cpu: float) -> dict[str, float]:
    daemon = (last.daemon_cpu - first.daemon_cpu) / seconds
    decode = (last.decode_cpu - first.decode_cpu) / seconds
    workers = (last.workers_cpu - first.workers_cpu) / seconds
    server = (last.server_cpu - first.server_cpu) / seconds
    machine = (last.machine_busy - first.machine_busy) / seconds
    return {"daemon": daemon, "decode": decode, "lpr_workers": workers, "dozor": daemon + workers,
            "rtsp_server": server,
            "bench": bench_cpu / seconds, "machine": machine,
            "other": max(0.0, machine - daemon - workers - server - bench_cpu / seconds)}


def _progress(start, now, first: Sample, last: Sample, lpr: dict, cameras: int) -> None:
    elapsed = max((now - start).total_seconds(), 1e-9)
    dropped = sum(c["frames_dropped"] for c in lpr.values())
    dozor = (last.daemon_cpu + last.workers_cpu - first.daemon_cpu - first.workers_cpu) / elapsed
    server = (last.server_cpu - first.server_cpu) / elapsed
    print(f"  {elapsed / 60:4.1f} min: dozor {dozor:.2f} cores, rtsp server {server:.2f}, total RSS "
          f"{last.total_rss:.0f} MB, LPR dropped so far {dropped} ({cameras} cameras)", flush=True)


def _found(config_path: Path, clips: dict[str, DriveByClip]) -> dict[str, tuple[int, int]]:
    """Per camera: how many of its cars `dozor search <first 3> --camera CAM` lists (any match kind)."""
    from click.testing import CliRunner

    from dozor.cli import main as dozor

    found = {}
    for camera, clip in clips.items():
        hits = 0
        for car in {p.plate for p in clip.passes}:
            args = ["search", car[:3], "--config", str(config_path), "--camera", camera, "--limit", "5000",
                    "--json", "--case", "ЄО 1", "--reason", "other"]
            lines = CliRunner().invoke(dozor, args, catch_exceptions=False).stdout.splitlines()
            hits += car in {json.loads(line)["plate"] for line in lines if line.strip()}
        found[camera] = (hits, len({p.plate for p in clip.passes}))
    return found


def _sightings(data: Path) -> list[tuple]:
    """(id, camera, plate, first_seen) of every sighting in the store."""
    import sqlite3

    path = DataLayout(data).plates_db
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, camera, plate, first_seen FROM sightings").fetchall()
    finally:
        conn.close()


def _quality(data: Path, clips: dict[str, DriveByClip]) -> dict[str, float]:
    """Sightings per car pass and stray sightings (tests/plate_clips.score), from the store."""
    rows = [row[1:] for row in _sightings(data)]
    return score(rows, clips) if rows else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--minutes", type=float, help="window length (default 10, or 2 per sweep step)")
    parser.add_argument("--sweep", help="comma-separated camera counts, e.g. 4,8,12,16,24")
    parser.add_argument("--sample-fps", type=float, default=5, help="lpr.sample_fps (default 5)")
    parser.add_argument("--lpr-workers", type=int, default=1, help="lpr.workers (default 1)")
    parser.add_argument("--lpr-cameras", type=int, help="plate reading on the first K cameras (default all)")
    parser.add_argument("--substream", action="store_true",
                        help="plate reading from a 640x360 sub-stream (lpr_url) instead of the main stream")
    parser.add_argument("--traffic", choices=sorted(TRAFFIC), default="busy",
                        help="busy: a car every 4.5 s (default); village: every 30 s; empty: no car")
    parser.add_argument("--warmup", type=float, default=10, help="seconds after start-up before measuring")
    parser.add_argument("--interval", type=float, default=5, help="seconds between samples")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    args = parser.parse_args()
    problem = gi_problem()
    if problem:
        raise SystemExit(f"soak: {problem}")
    shared, models = os.environ.get("DOZOR_SHARED_DIR"), os.environ.get("DOZOR_MODEL_DIR")
    if not shared or not models:
        raise SystemExit("soak: set DOZOR_SHARED_DIR and DOZOR_MODEL_DIR (or run it with `make soak`)")
    counts = [int(n) for n in args.sweep.split(",")] if args.sweep else [args.cameras]
    minutes = args.minutes or (2.0 if args.sweep else 10.0)
    cache = OUT / "soak"
    cars = readable_cars(Path(shared) / "plates", Path(models), cache)
    clips = camera_clips(cars, TRAFFIC[args.traffic], max(counts), cache)
    print(f"{len(cars)} cars read on stills; {args.traffic} traffic: clips of {len(clips[0].passes)} cars, "
          f"{clips[0].duration:.1f} s each; {minutes:g} min per soak", flush=True)
    results = []
    for count in counts:
        print(f"soak: {count} cameras for {minutes:g} min ...", flush=True)
        results.append(run_soak(count, minutes, clips, args))
        results[-1].traffic = args.traffic
        report(results[-1])
    if not args.sweep:
        traffic = TRAFFIC[args.traffic]
        if traffic.cars_per_clip:  # after the soak, so it does not disturb its figures
            from gate_recall import measure, recogniser_factory

            print("motion gate recall on the same clips (bench/gate_recall.py):", flush=True)
            results[0].recall = measure(clips[: traffic.clips], recogniser_factory(models))
            print(f"motion gate recall: {results[0].recall}")
        print(summary_line(results[0]))
        return
    print(sweep_lines(results, args))


if __name__ == "__main__":
    main()
