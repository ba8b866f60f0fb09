"""The web server's limits, one at a time, on a small WSGI app and shortened timeouts: connections per
address, incomplete requests and bodies, clients that stop reading, clients that leave mid-stream, and
a full pool of stream threads."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest
from recording import wait_until
from web_http import is_open, raw_socket

from webui import server as web_server
from webui.server import WebServer


class Endless:
    """A WSGI app streaming 64 KiB chunks until closed; remembers how many closed."""

    def __init__(self):
        self.closed = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/quick":
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return self._chunks()

    def _chunks(self):
        try:
            while True:
                time.sleep(0.01)
                yield bytes(65536)
        finally:
            with self.lock:
                self.closed += 1


@pytest.fixture
def serve(monkeypatch):
    """serve(app, **kwargs) -> a running WebServer with 1-2 s timeouts; closed at the end."""
    monkeypatch.setattr(web_server, "REQUEST_SECONDS", 1.5)
    monkeypatch.setattr(web_server, "BODY_SECONDS", 1.5)
    monkeypatch.setattr(web_server, "SEND_SECONDS", 1.5)
    servers = []

    def start(app, **kwargs):
        kwargs.setdefault("threads", 4)
        kwargs.setdefault("long_lived", lambda environ: environ["PATH_INFO"] != "/quick")
        server = WebServer(app, "127.0.0.1", 0, **kwargs)
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close(timeout=1)


def quick(port: int, source: str = "127.0.0.1") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    conn.request("GET", "/quick")
    status = conn.getresponse().status
    conn.close()
    return status


def test_one_address_holds_at_most_its_cap_and_others_are_still_served(serve):
    server = serve(Endless(), per_address=8)
    port = server.effective_port
    held = [raw_socket(port, "127.0.0.2") for _ in range(8)]
    assert wait_until(lambda: server.open_connections("127.0.0.2") == 8, 2, 0.05)
    extra = raw_socket(port, "127.0.0.2")
    assert wait_until(lambda: not is_open(extra), 1), "the ninth connection of one address is closed at once"
    assert all(is_open(sock) for sock in held)
    assert quick(port) == 200
    for sock in held + [extra]:
        sock.close()
    assert wait_until(lambda: server.open_connections("127.0.0.2") == 0, 2)
    assert quick(port, "127.0.0.2") == 200, "the address may connect again once it let go"


def test_silent_and_trickling_connections_are_closed_at_the_request_deadline(serve):
    server = serve(Endless())
    port = server.effective_port
    silent, trickler = raw_socket(port, "127.0.0.3"), raw_socket(port, "127.0.0.3")
    began = time.monotonic()
    while is_open(trickler) and time.monotonic() - began < 5:
        trickler.send(b"G")  # a byte every 0.2 s never completes a request line
        time.sleep(0.2)
    closed_after = time.monotonic() - began
    assert not is_open(trickler) and not is_open(silent)
    assert 1.0 < closed_after < 3.0, closed_after


def test_a_body_that_does_not_arrive_in_time_gets_408(serve):
    server = serve(Endless())
    sock = raw_socket(server.effective_port, "127.0.0.4")
    sock.sendall(b"POST /quick HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
    sock.settimeout(5)
    assert sock.recv(100).startswith(b"HTTP/1.1 408")


def test_a_client_that_stops_reading_is_cut_off_and_its_response_ends(serve):
    app = Endless()
    server = serve(app)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.effective_port))
    sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    began = time.monotonic()
    assert wait_until(lambda: app.closed == 1, 10), "the unread response's generator was closed"
    assert 1.0 < time.monotonic() - began < 8
    sock.close()


def test_a_client_that_leaves_mid_stream_ends_the_response_at_once(serve):
    app = Endless()
    server = serve(app)
    conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=5)
    conn.request("GET", "/stream")
    response = conn.getresponse()
    assert len(response.read(200_000)) == 200_000
    conn.close()
    assert wait_until(lambda: app.closed == 1, 2)


def test_long_lived_responses_beyond_the_stream_threads_get_503_and_requests_still_run(serve):
    app = Endless()
    server = serve(app, stream_threads=2)
    port = server.effective_port
    streams = []
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/stream")
        response = conn.getresponse()
        assert response.status == 200 and response.read(65536)
        streams.append(conn)
    third = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    third.request("GET", "/stream")
    assert third.getresponse().status == 503
    assert quick(port) == 200
    for conn in streams:
        conn.close()
