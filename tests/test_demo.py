"""`dozor demo` as a newcomer runs it: plates are found through the web UI's /api/search within 90 s,
and Ctrl-C stops everything and deletes the demo's data. Real RTSP, real models, real web UI."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A cookie-keeping HTTP client that signs in through the real login form (CSRF included)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def sign_in(self, user: str, password: str) -> None:
        _, page = self.get("/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"username": user, "password": password, "csrf_token": token}).encode()
        with self.opener.open(self.base + "/login", data=form, timeout=10) as response:
            assert "/login" not in response.url, "sign-in as police failed"
        _, page = self.get("/case")  # police name a case before any plate data ([access] require_case)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"number": "ЄО 1", "reason": "other", "csrf_token": token}).encode()
        with self.opener.open(self.base + "/case", data=form, timeout=10) as response:
            assert "/case" not in response.url, "choosing a case failed"


def test_demo_shows_a_plate_in_search_within_90_s_and_cleans_up(gi_python, model_dir, tmp_path):
    port = _free_port()
    env = {**os.environ, "DOZOR_MODEL_DIR": str(model_dir), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    started = time.monotonic()
    demo = subprocess.Popen(
        [sys.executable, "-m", "dozor.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(demo.stdout), daemon=True).start()
    try:
        banner = _wait_for(lambda: "Press Ctrl-C" in "".join(output), 60, demo, output)
        text = "".join(output)
        password = re.search(r"police:\s+police / (\S+)", text).group(1)
        plates = re.search(r"shows \d+ cars: ([A-Z0-9, ]+)", text).group(1).split(", ")
        data_dir = Path(re.search(r"Data folder: (\S+)", text).group(1))
        assert banner and data_dir.is_dir()

        browser = Browser(f"http://127.0.0.1:{port}")
        _wait_for(lambda: _answers(browser), 30, demo, output)
        browser.sign_in("police", password)

        def found() -> bool:
            for plate in plates:
                status, body = browser.get("/api/search?q=" + urllib.parse.quote(plate[:3]))
                if status == 200 and any(hit["plate"] in plates for hit in json.loads(body)["results"]):
                    return True
            return False

        _wait_for(found, 90 - (time.monotonic() - started), demo, output)
        print(f"demo: first plate found via /api/search {time.monotonic() - started:.1f} s after start")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(30)
        except subprocess.TimeoutExpired:
            demo.kill()
            pytest.fail("dozor demo did not stop within 30 s of Ctrl-C")
    assert demo.returncode == 0, "".join(output)[-3000:]
    assert not data_dir.exists(), "the demo left its data folder behind"


def _answers(browser: Browser) -> bool:
    try:
        return browser.get("/login")[0] == 200
    except OSError:
        return False


def _wait_for(condition, seconds: float, process: subprocess.Popen, output: list[str]) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("dozor demo exited early:\n" + "".join(output)[-3000:])
        if condition():
            return True
        time.sleep(1)
    pytest.fail(f"not within {seconds:.0f} s:\n" + "".join(output)[-3000:])


def test_the_banner_promises_plates_only_when_the_models_are_there(monkeypatch, tmp_path):
    from dozor.demo.run import DemoClip, _banner

    clip = DemoClip(tmp_path / "clip.mp4", ["BC1234AA"])
    passwords = dict.fromkeys(("police", "admin", "volunteer"), "x")
    monkeypatch.delenv("DOZOR_MODEL_DIR", raising=False)
    offline = _banner(8080, passwords, clip, tmp_path, keep=False)
    assert "within a minute" not in offline and "DOZOR_MODEL_DIR is not set" in offline
    assert "plate reading is off" in offline
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(tmp_path))
    assert "Plates appear within a minute" in _banner(8080, passwords, clip, tmp_path, keep=False)
