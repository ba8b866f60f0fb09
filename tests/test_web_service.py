"""The supervisor's web service: `dozor web` as a child process that serves, and that a stop ends."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from types import SimpleNamespace

import pytest

from dozor.services import web_services
from edge.config import load_config

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def context_for(tmp_path, data_dir, **web):
    port = free_port()
    lines = [f'[storage]\npath = "{data_dir}"\n[web]\nlisten = "127.0.0.1:{port}"']
    lines += [f"{key} = {str(value).lower()}" for key, value in web.items()]
    path = tmp_path / "dozor.toml"
    path.write_text("\n".join(lines) + "\n")
    return SimpleNamespace(config=load_config(path), config_path=path), port


def test_web_child_process_serves_until_stopped(tmp_path, data_dir):
    context, port = context_for(tmp_path, data_dir)
    (service,) = web_services(context)
    service.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert json.loads(response.read())["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        service.stop()
    assert service.process.returncode == 0


def test_no_web_service_when_the_ui_is_disabled(tmp_path, data_dir):
    context, _ = context_for(tmp_path, data_dir, enabled=False)
    assert web_services(context) == []
