"""Soak: the real daemon on 24 simulated cameras with plate reading, for minutes, on this machine.

Each camera is a 1280x720 ~2 Mbit/s drive-by clip of real car photos (bench/soak_clips.py, encoded once
into bench/out/soak/) served in a loop by the real RTSP test server (edge/demo/rtsp_server.py). `dozor
run --no-web` (as dozor.service runs it; the web UI is its own unit in production) records them with LPR
on, the real models, production defaults (60 s segments, live pictures at 1/s, lpr.sample_fps 5, one
LPR worker). Every few seconds the CPU of the daemon, of its LPR workers, of the RTSP server (test load,
not Dozor) and of the whole machine, the RSS/PSS and the LPR counters (plates.db's lpr_status, what
`dozor status` shows) are sampled. At the end: the share of the wall time each camera's catalog covers,
and whether `dozor search <first 3 characters> --camera CAM` finds every car of the clips (all of them
are cars whose still photo the models read exactly). Frames the LPR worker had no room for are
dropped and counted ("dropped"); frames that never reached plate reading (decoder behind) show as the
shortfall of frames offered against cameras x sample_fps x seconds.

    .venv/bin/python bench/soak.py [--cameras 24] [--minutes 10]
    .venv/bin/python bench/soak.py --sweep 4,8,12,16,24 [--minutes 2]   # where plate reading saturates
Options --sample-fps, --lpr-workers and --gap (more empty road between cars) show what changes the
saturation point. Needs DOZOR_SHARED_DIR and DOZOR_MODEL_DIR (the Makefile sets them).
Last line: `soak cameras=N minutes=M recorded_min=X rss_mb=Y lpr_drops=Z plates_found=A/B cpu_cores=C`
(sweep: `soak_sweep drops_start_at=K ...`; drops "start" where more than 1 % of the offered frames drop).
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
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from plate_clips import DriveByClip, score  # noqa: E402
from recording import covered_seconds, segments, wait_until  # noqa: E402
from soak_clips import camera_clip, readable_cars  # noqa: E402
from soak_procs import Sample, Tracker  # noqa: E402

from edge.clock import SystemClock  # noqa: E402
from edge.config import load_config  # noqa: E402
from edge.demo.simulated_cameras import RtspServer, gi_problem  # noqa: E402
from edge.layout import DataLayout  # noqa: E402
from edge.status import lpr_counters, take_snapshot  # noqa: E402

OUT = REPO / "bench" / "out"
DROPS_START = 0.01  # share of offered frames dropped from which a sweep step counts as saturated
COUNTERS = ("frames_analysed", "frames_skipped_motion", "frames_dropped", "reads", "sightings",
            "worker_restarts")


@dataclass
class Result:
    cameras: int
    seconds: float
    recorded: dict[str, float]  # camera -> covered share of the window
    found: dict[str, tuple[int, int]]  # camera -> (cars found, cars)
    lpr: dict[str, dict[str, int]]  # camera -> counter deltas over the window
    cores: dict[str, float]  # part -> mean cores
    memory: dict[str, float]  # peak MB
    sample_fps: float
    quality: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def total(self, counter: str) -> int:
        return sum(c.get(counter, 0) for c in self.lpr.values())

    @property
    def offered(self) -> int:
        return sum(self.total(c) for c in ("frames_analysed", "frames_skipped_motion", "frames_dropped"))

    @property
    def drop_share(self) -> float:
        return self.total("frames_dropped") / max(self.offered, 1)

    @property
    def delivered_share(self) -> float:
        return self.offered / max(self.cameras * self.sample_fps * self.seconds, 1)

    @property
    def plates(self) -> tuple[int, int]:
        return sum(f for f, _ in self.found.values()), sum(n for _, n in self.found.values())


def write_config(path: Path, data: Path, urls: dict[str, str], args: argparse.Namespace) -> Path:
    lines = [f'[storage]\npath = "{data}"\nmin_free_gb = 0\n',
             f"[lpr]\nsample_fps = {args.sample_fps}\nworkers = {args.lpr_workers}\n",
             "[web]\nenabled = false\n"]
    lines += [f'[[cameras]]\nname = "{name}"\nurl = "{url}"\nlpr = true\n' for name, url in urls.items()]
    path.write_text("\n".join(lines))
    return path


def lpr_now(data: Path) -> dict[str, dict[str, int]]:
    return {row["camera"]: {c: row[c] for c in COUNTERS} for row in lpr_counters(DataLayout(data))}


def run_soak(cameras: int, minutes: float, clips: list[DriveByClip], args: argparse.Namespace) -> Result:
    work = Path(tempfile.mkdtemp(prefix=f"soak-{cameras}-", dir=OUT))
    by_camera = {f"cam-{i + 1:02d}": clips[i] for i in range(cameras)}
    server = RtspServer({name: clip.path for name, clip in by_camera.items()}, work / "rtsp-server.log")
    server.start()
    data = work / "data"
    config_path = write_config(work / "dozor.toml", data, {n: server.url(n) for n in by_camera}, args)
    config, clock, notes = load_config(config_path), SystemClock(), []
    log = (work / "dozor.log").open("wb")
    daemon = subprocess.Popen([sys.executable, "-m", "edge", "run", "--no-web", "--config", str(config_path)],
                              cwd=REPO, stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    tracker = Tracker(daemon.pid, server.process.pid)  # type: ignore[union-attr]
    try:
        if not wait_until(lambda: _ready(config, data, cameras), 120, interval=1):
            notes.append("not every camera was online with plate reading running after 120 s")
        time.sleep(args.warmup)
        start, first, lpr_first = clock.now(), tracker.sample(), lpr_now(data)
        bench_cpu = time.process_time()
        peaks = _peaks(first, {})
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
    seconds = (end - start).total_seconds()
    result = Result(
        cameras=cameras, seconds=seconds, sample_fps=args.sample_fps, notes=notes, memory=peaks,
        recorded={cam: covered_seconds(segments(data, cam), start, end) / seconds for cam in by_camera},
        found=_found(config_path, by_camera),
        lpr={cam: {c: lpr_last.get(cam, {}).get(c, 0) - lpr_first.get(cam, {}).get(c, 0) for c in COUNTERS}
             for cam in by_camera},
        cores=_cores(first, last, seconds, bench_cpu),
    )
    result.quality = _quality(data, by_camera)
    if args.keep:
        result.notes.append(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return result


def _ready(config, data: Path, cameras: int) -> bool:
    """Every camera online and plate reading running on each."""
    running = sum(r["state"] == "running" for r in lpr_counters(DataLayout(data)))
    return running == cameras and take_snapshot(config, SystemClock().now()).cameras_online == cameras


def _peaks(sample: Sample, peaks: dict[str, float]) -> dict[str, float]:
    now = {"daemon_rss_mb": sample.daemon_rss, "total_rss_mb": sample.total_rss,
           "total_pss_mb": sample.total_pss}
    return {k: max(v, peaks.get(k, 0.0)) for k, v in now.items()}


def _cores(first: Sample, last: Sample, seconds: float, bench_cpu: float) -> dict[str, float]:
    daemon = (last.daemon_cpu - first.daemon_cpu) / seconds
    workers = (last.workers_cpu - first.workers_cpu) / seconds
    server = (last.server_cpu - first.server_cpu) / seconds
    machine = (last.machine_busy - first.machine_busy) / seconds
    return {"daemon": daemon, "lpr_workers": workers, "dozor": daemon + workers, "rtsp_server": server,
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
    found = {}
    for camera, clip in clips.items():
        hits = 0
        for car in {p.plate for p in clip.passes}:
            done = subprocess.run(
                [sys.executable, "-m", "edge", "search", car[:3], "--config", str(config_path),
                 "--camera", camera, "--limit", "5000", "--json"],
                cwd=REPO, capture_output=True, text=True, timeout=120,
            )
            hits += car in {json.loads(line)["plate"] for line in done.stdout.splitlines() if line.strip()}
        found[camera] = (hits, len({p.plate for p in clip.passes}))
    return found


def _quality(data: Path, clips: dict[str, DriveByClip]) -> dict[str, float]:
    """Sightings per car pass and stray sightings (tests/plate_clips.score), from the store."""
    import sqlite3

    path = DataLayout(data).plates_db
    if not path.exists():
        return {}
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT camera, plate, first_seen FROM sightings").fetchall()
    finally:
        conn.close()
    return score(rows, clips) if rows else {}


def report(result: Result) -> None:
    print(f"\n{result.cameras} cameras, {result.seconds / 60:.1f} min window")
    print(f"{'camera':<8} {'recorded':>9} {'found':>6} {'analysed':>9} {'motion-skip':>11} {'dropped':>8} "
          f"{'sightings':>9}")
    for camera in sorted(result.recorded):
        lpr, (hits, cars) = result.lpr[camera], result.found[camera]
        print(f"{camera:<8} {result.recorded[camera] * 100:8.2f}% {hits:>3}/{cars:<2} "
              f"{lpr['frames_analysed']:>9} {lpr['frames_skipped_motion']:>11} {lpr['frames_dropped']:>8} "
              f"{lpr['sightings']:>9}")
    cores = result.cores
    print(f"CPU (cores of 2): dozor {cores['dozor']:.2f} (daemon {cores['daemon']:.2f}, LPR workers "
          f"{cores['lpr_workers']:.2f}); RTSP server {cores['rtsp_server']:.2f}; "
          f"this bench {cores['bench']:.2f}; other work on the machine {cores['other']:.2f}; "
          f"machine busy {cores['machine']:.2f}")
    mem = result.memory
    print(f"memory peak: daemon RSS {mem['daemon_rss_mb']:.0f} MB, daemon + workers RSS "
          f"{mem['total_rss_mb']:.0f} MB (PSS {mem['total_pss_mb']:.0f} MB)")
    print(f"plate reading: {result.offered} frames offered = {result.delivered_share * 100:.1f} % of "
          f"{result.cameras} x {result.sample_fps:g}/s; dropped {result.total('frames_dropped')} "
          f"({result.drop_share * 100:.1f} %), skipped by motion {result.total('frames_skipped_motion')}, "
          f"worker restarts {result.total('worker_restarts')}")
    if result.quality:
        print(f"sightings per car pass {result.quality['sightings_per_pass']:.2f}, worst clip's sightings "
              f"matching no car {result.quality['stray_max_per_clip']}")
    for note in result.notes:
        print(f"NOTE: {note}")


def summary_line(result: Result) -> str:
    found, cars = result.plates
    return (f"soak cameras={result.cameras} minutes={result.seconds / 60:.1f} "
            f"recorded_min={min(result.recorded.values()) * 100:.2f}% "
            f"rss_mb={result.memory['total_rss_mb']:.0f} "
            f"lpr_drops={result.total('frames_dropped')} lpr_drop_share={result.drop_share * 100:.1f}% "
            f"plates_found={found}/{cars} cpu_cores={result.cores['dozor']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=24)
    parser.add_argument("--minutes", type=float, help="window length (default 10, or 2 per sweep step)")
    parser.add_argument("--sweep", help="comma-separated camera counts, e.g. 4,8,12,16,24")
    parser.add_argument("--sample-fps", type=float, default=5, help="lpr.sample_fps (default 5)")
    parser.add_argument("--lpr-workers", type=int, default=1, help="lpr.workers (default 1)")
    parser.add_argument("--gap", type=float, default=0.0,
                        help="extra seconds of empty road after each car (default 0: a car every 4.5 s)")
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
    clips = [camera_clip(cars, i, cache, args.gap) for i in range(max(counts))]
    print(f"{len(cars)} cars read on stills; clips of {len(clips[0].passes)} cars, "
          f"{clips[0].duration:.1f} s each; {minutes:g} min per soak", flush=True)
    results = []
    for count in counts:
        print(f"soak: {count} cameras for {minutes:g} min ...", flush=True)
        results.append(run_soak(count, minutes, clips, args))
        report(results[-1])
    if not args.sweep:
        print(summary_line(results[0]))
        return
    print(f"\n{'cameras':>7} {'offered':>8} {'dropped':>8} {'found':>8} {'recorded':>9} {'dozor':>6} "
          f"{'server':>6} {'other':>6}")
    for r in results:
        print(f"{r.cameras:>7} {r.delivered_share * 100:7.1f}% {r.drop_share * 100:7.1f}% "
              f"{r.plates[0]:>4}/{r.plates[1]:<3} {min(r.recorded.values()) * 100:8.2f}% "
              f"{r.cores['dozor']:6.2f} {r.cores['rtsp_server']:6.2f} {r.cores['other']:6.2f}")
    start = next((r.cameras for r in results if r.drop_share > DROPS_START), None)
    print(f"soak_sweep drops_start_at={start if start is not None else 'none'} "
          + " ".join(f"c{r.cameras}=drop{r.drop_share * 100:.1f}%,found{r.plates[0]}/{r.plates[1]}"
                     for r in results)
          + f" sample_fps={args.sample_fps:g} lpr_workers={args.lpr_workers} minutes={minutes:g}")


if __name__ == "__main__":
    main()
