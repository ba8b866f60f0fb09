"""`dozor demo`: the whole appliance on an embedded default, cleaned up on Ctrl-C.

A newcomer should see plates appear in the web UI within a minute, on a fresh machine, without
../shared: the camera is a clip of rendered cars (dozor/demo/scene.py) served over real RTSP by the same
simulator the tests use, and everything else is the real daemon (recorder, plate reading, web UI) on a
temporary data folder. Passwords are random and printed once; nothing is left behind after Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dozor.demo import scene
from dozor.demo.clip import encode_frames
from dozor.demo.simulated_cameras import RtspServer, gi_problem
from edge.clock import SystemClock
from edge.config import MODEL_DIR_ENV, load_config

log = logging.getLogger(__name__)

CAMERA = "demo-road"
ACCOUNTS = (("police", "police"), ("admin", "admin"), ("volunteer", "volunteer"))
DEMO_CARS = 8
CLIP_VERSION = 1  # bump when the rendering changes, so cached clips are made again


class DemoUnavailable(Exception):
    """Something the demo needs is missing (system packages, models, a free port). `dozor demo` prints
    the message, which names the fix, and exits 1."""


@dataclass(frozen=True)
class DemoClip:
    path: Path
    plates: list[str]  # what the cars carry, in order ([] for a user's own video)


def run_demo(*, port: int, video: Path | None, keep: bool, say: Callable[[str], None]) -> int:
    """Start everything, print how to use it, run until SIGINT/SIGTERM; returns the exit status."""
    _check_prerequisites(port)
    data = Path(tempfile.mkdtemp(prefix="dozor-demo-"))
    server: RtspServer | None = None
    try:
        clip = _user_clip(video) if video else rendered_clip(_cache_dir(data))
        server = RtspServer({CAMERA: clip.path}, data / "rtsp-server.log")
        server.start()
        config_path = _write_config(data, server.url(CAMERA), port)
        passwords = _create_accounts(config_path)
        say(_banner(port, passwords, clip, data, keep))
        from dozor.supervisor import Supervisor

        return Supervisor(load_config(config_path), config_path).run()
    finally:
        if server is not None:
            server.close()
        if keep:
            say(f"Demo data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)


def _check_prerequisites(port: int) -> None:
    problem = gi_problem()
    if problem:
        raise DemoUnavailable(f"the simulated camera cannot run: {problem}; hint: run `make install`")
    model_dir = os.environ.get(MODEL_DIR_ENV, "")
    if model_dir:
        from plate_index.models import ModelMissing, find_models

        try:
            find_models(model_dir)
        except ModelMissing as exc:
            raise DemoUnavailable(str(exc)) from None
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise DemoUnavailable(f"port {port} is in use; hint: `dozor demo --port 8090`") from None


def rendered_clip(cache: Path, cars: int = DEMO_CARS, seed: int = 2026) -> DemoClip:
    """The demo's drive-by clip, rendered once and cached (rendering and encoding take ~10 s)."""
    rng = np.random.default_rng(seed)
    plates = [scene.random_plate(rng) for _ in range(cars)]
    key = hashlib.sha256(json.dumps([CLIP_VERSION, plates, seed]).encode()).hexdigest()[:16]
    path = cache / f"drive-by-{key}.mp4"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        frames, _ = scene.drive_by(plates, seed=seed)
        partial = path.with_suffix(".part.mp4")
        encode_frames(partial, frames, fps=15, bitrate=2_000_000)
        partial.replace(path)
    return DemoClip(path, plates)


def _user_clip(video: Path) -> DemoClip:
    if not video.is_file():
        raise DemoUnavailable(f"video {video} not found; hint: give an H.264 or H.265 MP4 file")
    return DemoClip(video.resolve(), [])


def _cache_dir(fallback: Path) -> Path:
    """~/.cache/dozor (or $XDG_CACHE_HOME/dozor) when writable, else the demo's own folder."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dozor"
    try:
        base.mkdir(parents=True, exist_ok=True)
        return base if os.access(base, os.W_OK) else fallback
    except OSError:
        return fallback


def _write_config(data: Path, url: str, port: int) -> Path:
    """A config like an installer's, sized for a demo: short segments so video is there at once."""
    path = data / "dozor.toml"
    path.write_text(
        f"""# Written by `dozor demo`; deleted with the demo's data folder.
[storage]
path = {json.dumps(str(data / "data"))}
retention_days = 1
min_free_gb = 0.2

[recorder]
segment_seconds = 10

[lpr]
model_dir = {json.dumps(os.environ.get(MODEL_DIR_ENV, ""))}

[web]
listen = "127.0.0.1:{port}"

[[cameras]]
name = "{CAMERA}"
title = "Демо: дорога на Северинівку"
url = "{url}"
# the demo camera has one stream: it stands in for its own sub-stream, so the live grid moves
live_url = "{url}"
""",
        encoding="utf-8",
    )
    return path


def _create_accounts(config_path: Path) -> dict[str, str]:
    """One account per role with a random password, created through the audited path."""
    from accounts.user_changes import add_user
    from accounts.webdb import open_web_db
    from edge.layout import DataLayout

    config = load_config(config_path)
    conn = open_web_db(DataLayout(config.storage.path))
    passwords = {}
    try:
        for username, role in ACCOUNTS:
            password = secrets.token_urlsafe(12)
            add_user(
                conn, SystemClock(), by="demo", ip="local", username=username, role=role, password=password
            )
            passwords[username] = password
    finally:
        conn.close()
    return passwords


def _banner(port: int, passwords: dict[str, str], clip: DemoClip, data: Path, keep: bool) -> str:
    lines = [
        "",
        "Dozor demo is starting (recorder, plate reading, web UI).",
        f"  Open:        http://127.0.0.1:{port}/",
        f"  police:      police / {passwords['police']}   (plate search, video, export)",
        f"  admin:       admin / {passwords['admin']}   (cameras, users, audit)",
        f"  volunteer:   volunteer / {passwords['volunteer']}   (live grid)",
        "  The passwords are shown only now.",
    ]
    if clip.plates:
        lines += [
            f"  The simulated camera '{CAMERA}' shows {len(clip.plates)} cars: {', '.join(clip.plates)}",
            f"  Sign in as police, give a case (e.g. number ЄО 1, reason: other), and type the first three "
            f"characters, e.g. {clip.plates[0][:3]} (or {_cyrillic(clip.plates[0][:3])} on a Ukrainian "
            "keyboard).",
        ]
        if os.environ.get(MODEL_DIR_ENV):
            lines.append(f"  Plates appear within a minute (models from {os.environ[MODEL_DIR_ENV]}).")
        else:
            lines += [
                f"  {MODEL_DIR_ENV} is not set: plate reading downloads its models on first use, which needs",
                "  the internet. Without them, the search and admin pages say plate reading is off and why;",
                f"  for an offline machine, set {MODEL_DIR_ENV} to a models folder (`make demo` does).",
            ]
    else:
        lines.append(f"  The simulated camera '{CAMERA}' plays {clip.path} in a loop.")
    lines += [
        f"  Data folder: {data}" + ("" if keep else " (deleted when you stop)"),
        "Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def _cyrillic(text: str) -> str:
    """The same characters as a Ukrainian keyboard types them (Latin look-alikes -> Cyrillic)."""
    return text.translate(str.maketrans("ABCEHIKMOPTX", "АВСЕНІКМОРТХ"))
