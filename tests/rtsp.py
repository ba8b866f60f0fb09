"""pytest plugin: a real RTSP server (Debian's gst-rtsp-server, dozor/demo/rtsp_server.py) serving test clips.

Fixtures:
- `test_clip(**kwargs)` (session): a synthetic clip encoded once per session (tests/clips.py), cached
  by its parameters under the session's tmp dir;
- `rtsp_server(cameras, auth=None, options=())`: starts a server on a free port with camera name -> clip
  path (`options`: more of the server's options, e.g. "--no-sprop", "--start-after-keyframe"),
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
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dozor.demo.simulated_cameras import SYSTEM_PYTHON, RtspServer, gi_problem

__all__ = ["RtspServer"]  # tests import the server class from here, as before

@pytest.fixture(scope="session")
def gi_python() -> str:
    problem = gi_problem()
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

    def start(cameras: dict[str, Path], auth: str | None = None, options: tuple[str, ...] = ()) -> RtspServer:
        server = RtspServer(cameras, tmp_path / f"rtsp-server-{len(servers)}.log", auth, options)
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
