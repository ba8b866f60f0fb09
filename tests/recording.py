"""Helpers for the recorder tests: configs, running a Recorder or `dozor run`, and checks a user would make
(does every file play without a single decoding error, does the catalog match the disk, how much of
the wall time was recorded)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from edge.clock import Clock, SystemClock, to_epoch
from edge.config import Config, parse_config
from edge.layout import DataLayout
from recorder.catalog import Segment, list_segments, open_catalog
from recorder.frame_tap import FrameTap
from recorder.rtsp_source import RtspSource

REPO = Path(__file__).resolve().parent.parent


def make_config(data_dir: Path, cameras: dict[str, str], **recorder: Any) -> Config:
    settings = {"segment_seconds": 5, "stall_seconds": 4, "live_fps": 0, **recorder}
    return parse_config({
        "storage": {"path": str(data_dir), "min_free_gb": 0},
        "recorder": settings,
        "lpr": {"enabled": False},
        "web": {"enabled": False},
        "cameras": [{"name": name, "url": url, "lpr": False} for name, url in cameras.items()],
    })


def write_config(path: Path, data_dir: Path, cameras: dict[str, str], **recorder: Any) -> Path:
    lines = [f'[storage]\npath = "{data_dir}"\nmin_free_gb = 0\n', "[recorder]"]
    settings = {"segment_seconds": 5, "stall_seconds": 4, "live_fps": 0, **recorder}
    lines += [f"{key} = {value}" for key, value in settings.items()]
    lines += ["\n[lpr]\nenabled = false\n[web]\nenabled = false\n"]
    for name, url in cameras.items():
        lines.append(f'[[cameras]]\nname = "{name}"\nurl = "{url}"\nlpr = false\n')
    path.write_text("\n".join(lines))
    return path


@contextmanager
def running_recorder(config: Config, clock: Clock | None = None):
    """A started Recorder (in this process, on `clock` if given), always stopped."""
    from recorder.service import Recorder

    recorder = Recorder(config) if clock is None else Recorder(config, clock=clock)
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()


class SteppedClock(SystemClock):
    """The real clock plus an offset a test steps (an NTP step); monotonic time is untouched."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.offset)


@contextmanager
def feeding(tap: FrameTap, url: str) -> Iterator[None]:
    """A tap fed by its own RTSP connection (as plate reading's `lpr_url`), read in a thread while the
    block runs."""
    stop = threading.Event()

    def read() -> None:
        with RtspSource(url) as source:
            source.open()
            for packet in source.packets(audio=False):
                tap.feed(packet)
                if stop.is_set():
                    break

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield
    finally:
        stop.set()
        reader.join()


class DozorRun:
    """`dozor run` as a real daemon process, its stderr in a file."""

    def __init__(self, config_path: Path, log_path: Path, *extra: str):
        self.log_path = log_path
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "dozor", *extra, "run", "--config", str(config_path)],
                stdout=log, stderr=log, env=env, cwd=REPO,
            )

    def terminate(self, timeout: float = 20) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def tmpfs(mount_point: Path, size_mb: int):
    """A real small file system (tmpfs) at `mount_point`; skips the test where mounting is not allowed."""
    import pytest

    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.2) -> Any:
    """The predicate's first true value within `timeout` seconds (its last value, false, after it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    return predicate()


def thread_wakeups(thread_name: str) -> int:
    """How many times a thread of this process has been switched out so far: a thread that blocks stays
    where it is, one that wakes up to poll counts up (the kernel's context switches, /proc)."""
    thread = next(t for t in threading.enumerate() if t.name == thread_name)
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    return sum(int(line.split()[1]) for line in status.splitlines() if "ctxt_switches:" in line)


def get_json(url: str) -> Any:
    """GET a local URL and decode its JSON body (OSError while nothing answers there)."""
    import json
    import urllib.request

    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - a local test URL
        return json.loads(response.read())


def succeeds(action: Callable[[], Any]) -> Callable[[], Any]:
    """A predicate for wait_until: the action's result (True if it returns None), or None while it
    raises OSError (a server still starting)."""

    def attempt() -> Any:
        try:
            result = action()
        except OSError:
            return None
        return True if result is None else result

    return attempt


def segments(data_dir: Path, camera: str | None = None) -> list[Segment]:
    if not DataLayout(data_dir).catalog_db.exists():
        return []
    conn = open_catalog(DataLayout(data_dir), readonly=True)
    try:
        return list_segments(conn, camera)
    except sqlite3.OperationalError:  # the daemon is still creating the catalog
        return []
    finally:
        conn.close()


def decode_problems(path: Path) -> str:
    """What FFmpeg complains about when decoding every frame of the file ("" = plays cleanly)."""
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"],
        capture_output=True, text=True, timeout=120,
    )
    return (done.stderr + ("" if done.returncode == 0 else f" (exit {done.returncode})")).strip()


def media_seconds(path: Path) -> float:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return float(done.stdout.strip())


def covered_seconds(found: Iterable[Segment], start: datetime, end: datetime) -> float:
    """Seconds of [start, end] covered by the segments (overlaps counted once)."""
    lo, hi = to_epoch(start), to_epoch(end)
    spans = sorted((max(to_epoch(s.start), lo), min(to_epoch(s.end), hi)) for s in found)
    total, reach = 0.0, to_epoch(start)
    for a, b in spans:
        a = max(a, reach)
        if b > a:
            total += b - a
            reach = b
    return total


def catalog_disagreements(data_dir: Path) -> list[str]:
    """Rows without files, files without rows, sizes or lengths that differ between catalog and disk."""
    layout = DataLayout(data_dir)
    problems = []
    rows = {s.path: s for s in segments(data_dir)}
    on_disk = layout.segments_dir.rglob("*.mp4") if layout.segments_dir.exists() else []
    files = {layout.relative(p) for p in on_disk}
    problems += [f"row without file: {p}" for p in sorted(set(rows) - files)]
    problems += [f"file without row: {p}" for p in sorted(files - set(rows))]
    for rel in sorted(set(rows) & files):
        row, path = rows[rel], data_dir / rel
        if row.state == "complete" and row.bytes != path.stat().st_size:
            problems.append(f"{rel}: catalog says {row.bytes} bytes, file has {path.stat().st_size}")
        if row.state == "complete" and abs(row.seconds - media_seconds(path)) > 0.25:
            problems.append(f"{rel}: catalog {row.seconds:.2f} s, file plays {media_seconds(path):.2f} s")
    return problems
