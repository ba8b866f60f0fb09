"""The web UI speaks HTTP/1.1 only: HTTP/2 clients cannot stall it or hold connections open.

hypercorn switches a plain connection to HTTP/2 when it starts with HTTP/2's preface (h2c by prior
knowledge) or asks for `Upgrade: h2c`. Over HTTP/2 an anonymous client that opens streams with
SETTINGS_INITIAL_WINDOW_SIZE = 0 and never opens the window parks one request thread per stream for
good (3 connections x 6 streams took all 16, and they stayed stuck after the client left), and a
connection that sent only the preface was never closed (65 addresses x 64 of them filled
MAX_CONNECTIONS). Against a real `dozor web` on loopback.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import h2.config
import h2.connection
import h2.settings
import pytest
from web_http import connection, dozor_web, is_open, timed_get
from webapp import add_standard_users, seed_recordings, seed_sighting

from edge.layout import DataLayout
from webui.server import REQUEST_SECONDS

pytestmark = pytest.mark.slow
BAR_SECONDS = 1.0


def _healthz_seconds(port: int) -> float:
    try:
        seconds, status, _ = timed_get(port, "/healthz", source="127.0.0.99")
        return seconds if status == 200 else 99.0
    except OSError:  # timed out (10 s)
        return 99.0


def _h2_client(
    port: int, source: str, window: int | None = None
) -> tuple[socket.socket, h2.connection.H2Connection]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
    if window is not None:
        conn.local_settings = h2.settings.Settings(client=True, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window, h2.settings.SettingCodes.ENABLE_PUSH: 0})
    conn.initiate_connection()
    return sock, conn


def _h2_zero_window(port: int, path: str, streams: int = 6) -> socket.socket:
    sock, conn = _h2_client(port, "127.0.0.40", window=0)
    for _ in range(streams):
        conn.send_headers(conn.get_next_available_stream_id(), [
            (":method", "GET"), (":path", path), (":scheme", "http"), (":authority", "dozor")],
            end_stream=True)
    sock.sendall(conn.data_to_send())
    return sock


@pytest.fixture
def site(tmp_path, data_dir, segment_file):
    layout = DataLayout(data_dir)
    now = datetime.now(UTC)
    seed_recordings(layout, "road-north", now - timedelta(seconds=40), 2, 20.0, template=segment_file(20),
                    recording_last=True)
    seed_sighting(layout, "road-north", "AB1234CE", now - timedelta(minutes=5), pictures=False)
    add_standard_users(data_dir)
    with dozor_web(tmp_path, data_dir) as port:
        yield port


def test_anonymous_http2_zero_window_streams_do_not_stall_the_ui(site):
    port = site
    _healthz_seconds(port)  # the first request imports the figures' modules
    assert _healthz_seconds(port) < BAR_SECONDS
    attackers = [_h2_zero_window(port, "/login") for _ in range(4)]
    time.sleep(2)
    during = _healthz_seconds(port)
    for sock in attackers:
        sock.close()
    time.sleep(3)
    after = _healthz_seconds(port)
    print(f"healthz during the attack: {during:.2f} s, after it: {after:.2f} s (99 = no answer)")
    assert during < BAR_SECONDS, "24 anonymous HTTP/2 streams with a zero window stalled /healthz"
    assert after < BAR_SECONDS, "the UI stayed stalled after the anonymous attacker left"


def test_a_connection_that_sends_only_the_http2_preface_is_closed(site):
    """Closed at once (HTTP/2 is not served); at the latest when a silent HTTP/1.1 one is."""
    port = site
    sock, conn = _h2_client(port, "127.0.0.43")
    sock.sendall(conn.data_to_send())
    deadline = time.monotonic() + REQUEST_SECONDS + 5
    while time.monotonic() < deadline and is_open(sock):
        time.sleep(0.2)
    still_open = is_open(sock)
    sock.close()
    assert not still_open, f"a silent HTTP/2 connection was still open after {REQUEST_SECONDS + 5} s"


def test_an_h2c_upgrade_request_is_answered_in_http11(site):
    """`Upgrade: h2c` would switch the connection to HTTP/2 after the answer (with the client's own
    HTTP2-Settings, a zero window among them): the server ignores it, as RFC 9110 lets it."""
    port = site
    conn = connection(port, "127.0.0.44")
    conn.request("GET", "/healthz", headers={
        "Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c", "HTTP2-Settings": "AAQAAAAA"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    assert response.status == 200 and response.version == 11 and body
