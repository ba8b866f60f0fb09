"""The supervisor's web service: `dozor web` as a child process that serves, and that a stop ends."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from recording import get_json, succeeds, wait_until

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
        health = wait_until(succeeds(lambda: get_json(f"http://127.0.0.1:{port}/healthz")), 20)
        assert health and health["status"] == "ok"
    finally:
        service.stop()
    assert service.process.returncode == 0


def test_no_web_service_when_the_ui_is_disabled(tmp_path, data_dir):
    context, _ = context_for(tmp_path, data_dir, enabled=False)
    assert web_services(context) == []
