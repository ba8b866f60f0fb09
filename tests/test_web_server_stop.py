"""The web server (webui.server) stops promptly even while a viewer watches live video (a stream that never
ends by itself), and refuses oversized requests."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from recording import succeeds, wait_until
from webapp import PASSWORDS, add_standard_users, seed_recordings

from edge.layout import DataLayout
from webui.server import WebServer

DOZOR = str(Path(sys.executable).parent / "dozor")


def endless(environ, start_response):
    start_response("200 OK", [("Content-Type", "video/mp4")])

    def chunks():
        while True:
            time.sleep(0.05)
            yield b"x" * 1000

    return chunks()


def test_close_is_bounded_while_a_stream_never_ends():
    server = WebServer(endless, "127.0.0.1", 0, threads=2, long_lived=lambda environ: True)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.read(3000) == b"x" * 3000
    began = time.monotonic()
    assert server.close(timeout=1.5) is False, "the stream was still running"
    assert time.monotonic() - began < 2.5
    conn.close()  # the stream's thread ends on its next write
    serving.join(5)
    assert not serving.is_alive(), "no new requests are served"


def test_oversized_headers_and_bodies_are_refused():
    def app(environ, start_response):
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    server = WebServer(app, "127.0.0.1", 0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        for headers, body, status in (({"X-Big": "a" * 70_000}, None, 431), ({}, b"0" * 2_000_000, 413)):
            conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
            try:
                conn.request("POST", "/", body=body, headers=headers)
                assert conn.getresponse().status == status
            except (ConnectionResetError, BrokenPipeError):
                pass  # the server answered and closed while the client was still sending
            conn.close()
    finally:
        server.close()


@pytest.mark.slow
def test_dozor_web_stops_on_sigterm_with_a_live_stream_open(tmp_path, data_dir):
    layout = DataLayout(data_dir)
    seed_recordings(layout, "road-north", datetime.now(UTC) - timedelta(seconds=20), 1, 20.0,
                    recording_last=True)
    add_standard_users(data_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "dozor.toml"
    config.write_text(
        f'[storage]\npath = "{data_dir}"\n[web]\nlisten = "127.0.0.1:{port}"\n'
        '[[cameras]]\nname = "road-north"\nurl = "rtsp://10.0.0.11/s"\n'
    )
    process = subprocess.Popen([DOZOR, "web", "--config", str(config)], stderr=subprocess.PIPE, text=True)
    try:
        cookie = wait_until(succeeds(lambda: _sign_in(port, "volunteer")), 20)
        assert cookie, "dozor web did not answer" if process.poll() is None else process.stderr.read()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/live/road-north/stream", headers={"Cookie": cookie})
        response = conn.getresponse()
        assert response.status == 200 and response.read(1000)
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert time.monotonic() - began < 11, "bounded by the server's stop wait, not the stream"
    finally:
        if process.poll() is None:
            process.kill()
    assert "stopping the web UI" in process.stderr.read()


def _sign_in(port: int, user: str) -> str:
    """Sign in over HTTP like a browser; returns the session cookie."""
    import re
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urlencode({"username": user, "password": PASSWORDS[user], "csrf_token": token})
    conn.request("POST", "/login", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/login",
    })
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    return (response.getheader("Set-Cookie") or cookie).split(";")[0]
