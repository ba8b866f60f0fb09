"""Cameras that speak garbage (issue 6), beside a good one, all recorded by the real `dozor run` daemon:
a TCP server answering junk bytes, an RTSP server answering every request with 401, a camera sending
MJPEG (Dozor records H.264 and H.265 only, by stream copy: it refuses MJPEG with a clear reason rather
than re-encoding it on a Raspberry Pi), and a port where nothing listens.

What a technician would notice: each bad camera is offline in `dozor cameras` with a reason that says
what is wrong; the good camera records as if alone; the daemon neither crashes nor logs a traceback nor
grows threads, and it retries with backoff instead of hammering the bad cameras.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from recording import covered_seconds, segments, wait_until, write_config
from resources import sample

from dozor.cli import main

pytestmark = pytest.mark.slow

WATCH_SECONDS = 20.0  # how long connection attempts are counted
# Backoff is 1 s doubling to 10 s: over 20 s that is ~6 real connection attempts per camera. The
# reachability probe (one bare DESCRIBE a second while waiting) adds at most one connection a second.
MAX_ATTEMPTS = 8
MAX_PROBES = WATCH_SECONDS + 2

MJPEG_SERVER = """
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
server = GstRtspServer.RTSPServer(); server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true ! video/x-raw,format=I420,width=320,height=240,"
                   "framerate=10/1 ! jpegenc ! rtpjpegpay name=pay0 pt=26 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/cam", factory)
sys.exit(3) if server.attach(None) == 0 else print("READY", flush=True)
GLib.MainLoop().run()
"""


class FakeCamera:
    """A TCP server on 127.0.0.1 that answers each request with `answer(request)`. It counts connections
    by the client's User-Agent: FFmpeg's are the recorder's real connection attempts, "dozor" ones its
    reachability probe."""

    def __init__(self, answer: Callable[[bytes], bytes]):
        self.answer = answer
        self.clients: Counter[str] = Counter()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        counted = False
        with conn:
            conn.settimeout(10)
            try:
                while request := conn.recv(4096):
                    if not counted:
                        agent = re.search(rb"User-Agent: *(\w+)", request)
                        self.clients[agent.group(1).decode() if agent else "?"] += 1
                        counted = True
                    conn.sendall(self.answer(request))
            except OSError:
                return

    def attempts(self) -> int:
        return sum(n for agent, n in self.clients.items() if agent != "dozor")

    def close(self) -> None:
        self.sock.close()


def _junk(_request: bytes) -> bytes:
    return b"\x00\xff\x13\x37 hello, I am a printer \xfe" * 40 + b"\r\n\r\n"


def _unauthorized(request: bytes) -> bytes:
    cseq = re.search(rb"CSeq: *(\d+)", request)
    head = b"RTSP/1.0 200 OK" if request.startswith(b"OPTIONS") else b"RTSP/1.0 401 Unauthorized"
    return (head + b"\r\nCSeq: " + (cseq.group(1) if cseq else b"1")
            + b"\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"
            + b'\r\nWWW-Authenticate: Basic realm="camera"\r\n\r\n')


@pytest.fixture
def fake_camera() -> Iterator[Callable[..., FakeCamera]]:
    made: list[FakeCamera] = []

    def start(answer: Callable[[bytes], bytes]) -> FakeCamera:
        made.append(FakeCamera(answer))
        return made[-1]

    yield start
    for camera in made:
        camera.close()


@pytest.fixture
def mjpeg_camera(gi_python: str, tmp_path: Path) -> Iterator[str]:
    """An RTSP camera (gst-rtsp-server) sending MJPEG; yields its url."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([gi_python, "-c", MJPEG_SERVER, str(port)], stdout=subprocess.PIPE,
                               stderr=(tmp_path / "mjpeg-server.log").open("wb"), text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("READY")
        yield f"rtsp://127.0.0.1:{port}/cam"
    finally:
        process.kill()
        process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cameras_json(config: Path) -> dict[str, dict]:
    result = CliRunner().invoke(main, ["cameras", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return {row["camera"]: row for row in map(json.loads, result.stdout.splitlines())}


def test_garbage_cameras_are_offline_with_a_reason_and_the_good_camera_records_as_if_alone(
    rtsp_server, test_clip, fake_camera, mjpeg_camera, data_dir, tmp_path, dozor_run
):
    server = rtsp_server({"good": test_clip()})
    junk_server = fake_camera(_junk)
    locked = fake_camera(_unauthorized)
    urls = {
        "good": server.url("good"),
        "junk": f"rtsp://127.0.0.1:{junk_server.port}/stream",
        "locked": f"rtsp://admin:wrong@127.0.0.1:{locked.port}/stream",
        "mjpeg": mjpeg_camera,
        "nothing": f"rtsp://127.0.0.1:{_free_port()}/stream",
    }
    config = write_config(tmp_path / "dozor.toml", data_dir, urls)
    daemon = dozor_run(config, tmp_path / "dozor.log")
    assert wait_until(lambda: segments(data_dir, "good"), 20), daemon.log()
    started = datetime.now(UTC)
    time.sleep(3)  # every camera has had its first attempts
    threads_before = sample(daemon.process.pid).threads
    counted_from = {name: (fake.attempts(), fake.clients["dozor"])
                    for name, fake in (("junk", junk_server), ("locked", locked))}
    time.sleep(WATCH_SECONDS)
    counts = {name: (fake.attempts() - counted_from[name][0], fake.clients["dozor"] - counted_from[name][1])
              for name, fake in (("junk", junk_server), ("locked", locked))}
    threads_after = sample(daemon.process.pid).threads
    status = _cameras_json(config)
    stopped = datetime.now(UTC)
    assert daemon.terminate() == 0, daemon.log()

    print()
    for name, row in status.items():
        print(f"{name}: {row['state']}, why: {row['why']!r}")
    assert status["good"]["state"] == "online"
    expected = {
        "junk": "not a camera stream",
        "locked": "unauthorized: check the user and password",
        "mjpeg": "video codec mjpeg cannot be recorded (H.264 or H.265 needed)",
        "nothing": "connection refused",
    }
    for name, why in expected.items():
        assert status[name]["state"] == "offline" and why in status[name]["why"], status[name]
    for name, (attempts, probes) in counts.items():
        print(f"{name}: {attempts} connection attempts and {probes} probes in {WATCH_SECONDS:g} s")
        assert 1 <= attempts <= MAX_ATTEMPTS and probes <= MAX_PROBES, name
    print(f"daemon threads: {threads_before} -> {threads_after}")
    assert threads_after <= threads_before
    good = segments(data_dir, "good")
    wall = (stopped - started).total_seconds()
    kept = covered_seconds(good, started, stopped)
    print(f"good: recorded {kept:.1f} of {wall:.1f} s ({kept / wall:.1%})")
    assert kept / wall >= 0.97
    log = daemon.log()
    assert "Traceback" not in log and "admin:wrong" not in log, log
