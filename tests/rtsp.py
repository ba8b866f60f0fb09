"""pytest plugin: a real RTSP server (Debian's gst-rtsp-server, tests/rtsp_server.py) serving test clips.

Fixtures:
- `test_clip(**kwargs)` (session): a synthetic clip encoded once per session (tests/clips.py), cached
  by its parameters under the session's tmp dir;
- `rtsp_server(cameras, auth=None)`: starts a server on a free port with camera name -> clip path,
  waits until it serves, and always kills it at teardown. The object has `url(name)`, `down(name)` /
  `up(name)` (one camera fails and returns), `kill()` / `restart()` (the whole server dies),
  `stall()` / `resume()` (SIGSTOP/SIGCONT: the server freezes without closing connections).
- `dozor_run(config_path, log_path, *options)`: a `dozor run` daemon (tests/recording.DozorRun) that is
  always killed at teardown, whatever the test did.
The server runs with /usr/bin/python3 (where `gi` imports); without it, tests skip with a reason (and
fail under CI=true).
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = os.environ.get("DOZOR_GI_PYTHON", "/usr/bin/python3")
PORT_TAKEN = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RtspServer:
    def __init__(self, cameras: dict[str, Path], log_path: Path, auth: str | None = None):
        self.cameras = dict(cameras)
        self.auth = auth
        self.log_path = log_path
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        self._lines: queue.Queue[str] = queue.Queue()

    def url(self, name: str, *, user: str | None = None, password: str | None = None) -> str:
        credentials = f"{user}:{password}@" if user is not None else ""
        return f"rtsp://{credentials}127.0.0.1:{self.port}/{name}"

    def start(self, *, attempts: int = 5) -> None:
        for _ in range(attempts):
            if self._spawn():
                return
            self.port = _free_port()  # someone took the port between our check and the server's bind
        raise RuntimeError(f"the RTSP test server did not start; see {self.log_path}")

    def _spawn(self) -> bool:
        argv = [SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port)]
        if self.auth:
            argv += ["--auth", self.auth]
        argv += [f"{name}={path}" for name, path in self.cameras.items()]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
        )
        self._lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        try:
            line = self._lines.get(timeout=30)
        except queue.Empty:
            line = ""
        if line.startswith("READY"):
            return True
        self.process.kill()
        code = self.process.wait()
        if code != PORT_TAKEN:
            raise RuntimeError(f"the RTSP test server failed (status {code}); see {self.log_path}")
        return False

    def _read(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line.strip())

    def _command(self, text: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        reply = self._lines.get(timeout=10)
        if not reply.startswith("OK"):
            raise RuntimeError(f"RTSP test server: {text!r} -> {reply!r}")

    def down(self, name: str) -> None:
        """The camera fails: its mount disappears and its clients are disconnected."""
        self._command(f"down {name}")

    def up(self, name: str) -> None:
        self._command(f"up {name}")

    def kill(self) -> None:
        """The whole server dies (SIGKILL): every camera is gone at once."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        """Start again on the same port (the cameras come back)."""
        self.kill()
        if not self._spawn():
            raise RuntimeError(f"port {self.port} was taken while the RTSP test server was down")

    def stall(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing more arrives."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        self.kill()
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()


def _have_gi() -> str | None:
    """None when the system Python can run the server, else why not."""
    try:
        subprocess.run(
            [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0');"
             "from gi.repository import GstRtspServer"],
            check=True, capture_output=True, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return (f"{SYSTEM_PYTHON} cannot import gst-rtsp-server "
                "(apt-get install python3-gi gir1.2-gst-rtsp-server-1.0)")
    return None


@pytest.fixture(scope="session")
def gi_python() -> str:
    problem = _have_gi()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem + "; CI must provide it")
        pytest.skip(problem)
    return SYSTEM_PYTHON


@pytest.fixture(scope="session")
def test_clip(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`test_clip(codec="h264", audio=None, width=320, height=240, seconds=6, bitrate=None)` -> a clip."""
    from clips import synthetic_clip

    folder = tmp_path_factory.mktemp("clips")

    def make(**kwargs: object) -> Path:
        audio = kwargs.get("audio")
        suffix = ".mov" if audio == "pcmu" else ".mp4"
        name = "-".join(f"{k}={kwargs[k]}" for k in sorted(kwargs)) or "default"
        return synthetic_clip(folder / f"{name}{suffix}", **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def rtsp_server(gi_python: str, tmp_path: Path) -> Iterator[Callable[..., RtspServer]]:
    """`rtsp_server({"cam-1": clip_path, ...}, auth="user:pass")` -> a started RtspServer."""
    servers: list[RtspServer] = []

    def start(cameras: dict[str, Path], auth: str | None = None) -> RtspServer:
        server = RtspServer(cameras, tmp_path / f"rtsp-server-{len(servers)}.log", auth)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def dozor_run() -> Iterator[Callable[..., object]]:
    from recording import DozorRun

    daemons: list[DozorRun] = []

    def start(config_path: Path, log_path: Path, *options: str) -> DozorRun:
        daemon = DozorRun(config_path, log_path, *options)
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        if daemon.process.poll() is None:
            daemon.kill()
