"""`dozor web` serves the UI (webui.server) as its own process and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from recording import get_json, succeeds, wait_until

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dozor_web_serves_and_stops_on_sigterm(tmp_path, data_dir):
    port = free_port()
    config = tmp_path / "dozor.toml"
    config.write_text(
        f'[storage]\npath = "{data_dir}"\n[web]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8"
    )
    dozor = Path(sys.executable).parent / "dozor"
    process = subprocess.Popen(
        [str(dozor), "web", "--config", str(config)], stderr=subprocess.PIPE, text=True
    )
    try:
        health = wait_until(succeeds(lambda: get_json(f"http://127.0.0.1:{port}/healthz")), 20)
        assert health, "dozor web did not answer" if process.poll() is None else process.stderr.read()
        assert health["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert response.headers["Server"] == "Dozor"
            assert "Увійти" in response.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
    assert code == 0
    assert "stopping the web UI" in process.stderr.read()


def test_dozor_web_refuses_a_disabled_ui(tmp_path, data_dir):
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n[web]\nenabled = false\n', encoding="utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dozor"), "web", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "disabled" in done.stderr
