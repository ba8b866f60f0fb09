"""Simulated cameras: Debian's gst-rtsp-server (dozor/demo/rtsp_server.py) serving clips over real RTSP.

`dozor demo` uses it for its camera, and the tests use it for every camera fault (a camera failing and
returning, the whole server dying, a stall). The server runs with Debian's /usr/bin/python3, where `gi`
imports (the venv has no GObject bindings); `gi_problem()` says why it cannot run, if it cannot.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
from pathlib import Path

SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = os.environ.get("DOZOR_GI_PYTHON", "/usr/bin/python3")
PORT_TAKEN = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RtspServer:
    """A gst-rtsp-server process serving `cameras` (name -> clip) on a free 127.0.0.1 port."""

    def __init__(self, cameras: dict[str, Path], log_path: Path, auth: str | None = None,
                 options: tuple[str, ...] = ()):
        self.cameras = dict(cameras)
        self.auth = auth
        self.options = tuple(options)  # more of rtsp_server.py's options: --no-sprop, --start-after-keyframe
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
        argv += [*self.options, *(f"{name}={path}" for name, path in self.cameras.items())]
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


def gi_problem() -> str | None:
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
