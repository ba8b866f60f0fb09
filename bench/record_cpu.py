"""Recording CPU: Dozor against FFmpeg stream copy, on the same RTSP streams, in the same minute.

A real RTSP server (dozor/demo/rtsp_server.py) serves N cameras of a 1280x720 ~2 Mbit/s clip. `dozor run`
records all of them with the production defaults (live pictures at `recorder.live_fps`, nobody watching
them; LPR and the web UI off, so only recording is measured) while N processes of
`ffmpeg -rtsp_transport tcp -i URL -c copy -f segment` record the same streams. After a warm-up, the
CPU seconds (user + system, all threads, from /proc/PID/stat) each side spends during the same window
are compared; the server's CPU is not counted. Both sides' output is checked to cover the window.

    .venv/bin/python bench/record_cpu.py [--cameras 8] [--seconds 60] [--live-fps 0]
Last line: `record_cpu ratio=X dozor_cpu_s=.. ffmpeg_cpu_s=..` (ratio = Dozor / FFmpeg; goal <= 1.2).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from clips import synthetic_clip  # noqa: E402
from recording import segments, wait_until, write_config  # noqa: E402

from dozor.demo.simulated_cameras import RtspServer  # noqa: E402
from edge.config import RecorderConfig  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WINDOWS = 3


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=25,
                        help="seconds before measuring (FFmpeg decodes frames while it probes the first 5 s)")
    default_live = RecorderConfig().live_fps
    parser.add_argument("--live-fps", type=float, default=default_live,
                        help=f"recorder.live_fps (default {default_live:g}, the production default; 0 = off)")
    args = parser.parse_args()

    out = REPO / "bench" / "out"
    clip = synthetic_clip(out / "clip-1280x720-2mbit.mp4", width=1280, height=720, bitrate=2_000_000,
                          seconds=10)
    work = Path(tempfile.mkdtemp(prefix="record-cpu-", dir=out))
    names = [f"cam-{i + 1}" for i in range(args.cameras)]
    server = RtspServer({name: clip for name in names}, work / "rtsp-server.log")
    server.start()
    data = work / "dozor"
    config = write_config(work / "dozor.toml", data, {n: server.url(n) for n in names}, segment_seconds=60,
                          live_fps=args.live_fps, stall_seconds=10)
    ffmpeg_dir = work / "ffmpeg"
    ffmpeg_dir.mkdir()
    procs: list[subprocess.Popen] = []
    try:
        log = (work / "dozor.log").open("wb")
        dozor = subprocess.Popen([sys.executable, "-m", "dozor", "run", "--config", str(config)],
                                 cwd=REPO, stdout=log, stderr=log)
        procs.append(dozor)
        ffmpegs = []
        for name in names:
            ffmpegs.append(subprocess.Popen(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", server.url(name),
                 "-c", "copy", "-f", "segment", "-segment_time", "60", "-segment_format", "mp4",
                 "-reset_timestamps", "1", str(ffmpeg_dir / f"{name}-%03d.mp4")],
                stdout=subprocess.DEVNULL, stderr=(work / f"ffmpeg-{name}.log").open("wb"),
            ))
        procs += ffmpegs
        if not wait_until(lambda: len({s.camera for s in segments(data)}) == len(names), 30):
            raise SystemExit(f"dozor did not start recording every camera; see {work / 'dozor.log'}")
        time.sleep(args.warmup)
        began = time.monotonic()
        samples = [(cpu_seconds(dozor.pid), sum(cpu_seconds(p.pid) for p in ffmpegs))]
        for _ in range(WINDOWS):  # the same minute, in thirds: shows how noisy the machine is
            time.sleep(args.seconds / WINDOWS)
            samples.append((cpu_seconds(dozor.pid), sum(cpu_seconds(p.pid) for p in ffmpegs)))
        window = time.monotonic() - began
        dozor_cpu = samples[-1][0] - samples[0][0]
        ffmpeg_cpu = samples[-1][1] - samples[0][1]
        parts = [(b[0] - a[0]) / max(b[1] - a[1], 1e-9) for a, b in zip(samples, samples[1:], strict=False)]
        if any(p.poll() is not None for p in procs):
            raise SystemExit(f"a recorder died during the run; see {work}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        server.close()

    recorded = sum(s.seconds for s in segments(data))
    ffmpeg_bytes = sum(p.stat().st_size for p in ffmpeg_dir.glob("*.mp4"))
    dozor_bytes = sum(s.bytes for s in segments(data))
    print(f"{args.cameras} cameras 1280x720, live_fps {args.live_fps:g} (nobody watching), {window:.0f} s "
          f"window after {args.warmup:.0f} s warm-up")
    print(f"dozor:  {dozor_cpu:.2f} CPU s ({dozor_cpu / window * 100:.1f} % of a core), "
          f"{recorded / len(names):.0f} s recorded per camera, {dozor_bytes / 1e6:.0f} MB")
    print(f"ffmpeg: {ffmpeg_cpu:.2f} CPU s ({ffmpeg_cpu / window * 100:.1f} % of a core), "
          f"{ffmpeg_bytes / 1e6:.0f} MB")
    print("ratio per third of the window: " + ", ".join(f"{r:.2f}" for r in parts))
    shutil.rmtree(work, ignore_errors=True)
    print(f"record_cpu ratio={dozor_cpu / ffmpeg_cpu:.2f} dozor_cpu_s={dozor_cpu:.2f} "
          f"ffmpeg_cpu_s={ffmpeg_cpu:.2f}")


if __name__ == "__main__":
    main()
