"""The appliance's CPU with a 3×3 grid of moving tiles, against the same cameras with nobody watching,
in the same minute.

A real RTSP server (dozor/demo/rtsp_server.py) serves 9 cameras, each a 1280x720 ~2 Mbit/s main stream and
a 640x360 ~0.5 Mbit/s sub-stream (`live_url`), both 25 frames/s. Two appliances run side by side on them,
each a `dozor run` with the production defaults (live pictures at `recorder.live_fps`, the web UI as its
child process; plate reading off, so the figure is the grid's and not the models'): "watched", whose
volunteer grid plays all 9 tiles in a real Chromium (Playwright, signed in as a volunteer), and
"reference", recording the same cameras with nobody watching. After a warm-up with every tile playing,
the CPU seconds (user + system) of each appliance's process tree (daemon and web UI) are compared over the
same window; the browser's and the RTSP server's CPU are not counted (the browser is the volunteer's PC).
The browser's decoded frames per tile over the window are checked too (the grid must really move).

    .venv/bin/python bench/live_grid_cpu.py [--seconds 60] [--warmup 20]
Last line: `live_grid_cpu ratio=X extra_core_pct=Y watched_cpu_s=.. reference_cpu_s=.. tile_fps_min=..`
(ratio = watched / reference; extra_core_pct = the grid's cost in % of one core).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "browser")]

from browser_support import launch_chromium, sign_in  # noqa: E402
from clips import synthetic_clip  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from recording import segments, wait_until  # noqa: E402
from webapp import PASSWORDS, add_standard_users  # noqa: E402

from dozor.demo.simulated_cameras import RtspServer  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
WINDOWS = 3
TILES = 9
FPS = 25
ALL_MOVING = """() => document.querySelectorAll('.tile[data-camera]').length === 9
  && [...document.querySelectorAll('.tile[data-camera]')].every(t => t.dataset.mode === 'video')"""
TILE_STATS = """() => [...document.querySelectorAll('.tile[data-camera]')].map(t => {
  const v = t.querySelector('video');
  return {camera: t.dataset.camera, mode: t.dataset.mode,
          frames: v ? v.getVideoPlaybackQuality().totalVideoFrames : 0};
})"""


def tree_cpu_seconds(root: int, *, children: bool = True) -> float:
    """User + system CPU so far of `root` and (`children`) every process below it (the web UI is a
    child of `dozor run`)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
    tree, grown = {root}, children
    while grown:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        grown = bool(below)
        tree |= below
    return sum(cpu.get(pid, 0.0) for pid in tree)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def appliance(work: Path, name: str, server: RtspServer, cameras: list[str]) -> SimpleNamespace:
    """A `dozor run` (recorder + web UI child) on its own data folder and port, started."""
    data = work / name
    data.mkdir()
    add_standard_users(data)
    port = free_port()
    lines = [f'[storage]\npath = "{data}"\nmin_free_gb = 0\n', "[recorder]\nsegment_seconds = 60\n",
             "[lpr]\nenabled = false\n", f'[web]\nlisten = "127.0.0.1:{port}"\n']
    lines += [f'[[cameras]]\nname = "{c}"\nurl = "{server.url(c)}"\nlive_url = "{server.url(c + "-sub")}"\n'
              f"lpr = false\n" for c in cameras]
    config = work / f"{name}.toml"
    config.write_text("\n".join(lines))
    log = (work / f"{name}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "dozor", "run", "--config", str(config)], cwd=REPO,
                               stdout=log, stderr=log)
    return SimpleNamespace(name=name, data=data, url=f"http://127.0.0.1:{port}", process=process,
                           log=work / f"{name}.log")


def serving(site: SimpleNamespace) -> bool:
    try:
        with urllib.request.urlopen(site.url + "/healthz", timeout=2):
            return True
    except OSError as exc:
        return getattr(exc, "code", None) is not None  # an HTTP answer (503 while starting) is serving


def sample(watched: SimpleNamespace, reference: SimpleNamespace) -> tuple[float, float, float, float]:
    """CPU so far: each appliance's whole tree, then each one's daemon alone (recorder, no web UI)."""
    return (tree_cpu_seconds(watched.process.pid), tree_cpu_seconds(reference.process.pid),
            tree_cpu_seconds(watched.process.pid, children=False),
            tree_cpu_seconds(reference.process.pid, children=False))


def recording_all(site: SimpleNamespace) -> bool:
    return serving(site) and len({s.camera for s in segments(site.data)}) == TILES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=20, help="seconds with every tile playing first")
    args = parser.parse_args()

    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    main_clip = synthetic_clip(out / "clip-1280x720-2mbit.mp4", width=1280, height=720, bitrate=2_000_000,
                               seconds=10)
    sub_clip = synthetic_clip(out / "clip-640x360-500kbit.mp4", width=640, height=360, bitrate=500_000,
                              seconds=10)
    work = Path(tempfile.mkdtemp(prefix="live-grid-cpu-", dir=out))
    cameras = [f"cam-{i + 1}" for i in range(TILES)]
    server = RtspServer({c: main_clip for c in cameras} | {f"{c}-sub": sub_clip for c in cameras},
                        work / "rtsp-server.log")
    server.start()
    sites = [appliance(work, "watched", server, cameras), appliance(work, "reference", server, cameras)]
    try:
        for site in sites:
            if not wait_until(lambda s=site: recording_all(s), 60):
                raise SystemExit(f"{site.name} did not start recording every camera; see {site.log}")
        watched, reference = sites
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="uk-UA").new_page()
            sign_in(page, watched, "volunteer", PASSWORDS["volunteer"])
            page.wait_for_url("**/live")
            page.wait_for_function(ALL_MOVING, timeout=60000)
            time.sleep(args.warmup)
            tiles_before = page.evaluate(TILE_STATS)
            began = time.monotonic()
            samples = [sample(watched, reference)]
            for _ in range(WINDOWS):  # the same minute, in thirds: shows how noisy the machine is
                time.sleep(args.seconds / WINDOWS)
                samples.append(sample(watched, reference))
            window = time.monotonic() - began
            tiles_after = page.evaluate(TILE_STATS)
            browser.close()
        if any(s.process.poll() is not None for s in sites):
            raise SystemExit(f"an appliance died during the run; see {work}")
    finally:
        for site in sites:
            site.process.terminate()
        for site in sites:
            site.process.wait(30)
        server.close()

    watched_cpu, reference_cpu, watched_daemon, reference_daemon = (
        b - a for a, b in zip(samples[0], samples[-1], strict=True))
    parts = [(b[0] - a[0]) / max(b[1] - a[1], 1e-9) for a, b in zip(samples, samples[1:], strict=False)]
    fps = [(b["frames"] - a["frames"]) / window for a, b in zip(tiles_before, tiles_after, strict=True)]
    moving = sum(t["mode"] == "video" for t in tiles_after)
    print(f"{TILES} cameras 1280x720 2 Mbit/s + sub-streams 640x360 0.5 Mbit/s, {FPS} frames/s; "
          f"{window:.0f} s window after {args.warmup:.0f} s with every tile playing")
    print(f"watched (9 tiles playing): {watched_cpu:.2f} CPU s "
          f"({watched_cpu / window * 100:.1f} % of a core)")
    print(f"reference (nobody watching): {reference_cpu:.2f} CPU s "
          f"({reference_cpu / window * 100:.1f} % of a core)")
    print(f"of which the daemon (recorder): watched {watched_daemon:.2f}, "
          f"reference {reference_daemon:.2f} CPU s; "
          f"the web UI: watched {watched_cpu - watched_daemon:.2f}, "
          f"reference {reference_cpu - reference_daemon:.2f} CPU s")
    print(f"tiles playing video at the end: {moving}/{TILES}; frames/s per tile in the browser: "
          + ", ".join(f"{f:.1f}" for f in fps))
    print("ratio per third of the window: " + ", ".join(f"{r:.2f}" for r in parts))
    shutil.rmtree(work, ignore_errors=True)
    print(f"live_grid_cpu ratio={watched_cpu / reference_cpu:.2f} "
          f"extra_core_pct={(watched_cpu - reference_cpu) / window * 100:.1f} "
          f"watched_cpu_s={watched_cpu:.2f} reference_cpu_s={reference_cpu:.2f} "
          f"tile_fps_min={min(fps):.1f} tiles_moving={moving}")


if __name__ == "__main__":
    main()
