"""A real `dozor web` process on loopback and raw HTTP clients for it, from any 127.x.y.z address.

Linux routes all of 127.0.0.0/8 to the loopback interface, so a test can play many LAN clients by
binding its sockets to 127.0.0.2, 127.0.0.3, ... before connecting.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

from recording import succeeds, wait_until
from webapp import PASSWORDS, TEST_CASE

DOZOR = str(Path(sys.executable).parent / "dozor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dozor_web(tmp_path: Path, data_dir: Path, extra: str = "", tls: bool = False) -> Iterator[int]:
    """`dozor web` on a free port of 127.0.0.1 until the block ends (SIGTERM); yields the port."""
    port = free_port()
    config = tmp_path / "dozor.toml"
    config.write_text(
        f'[storage]\npath = "{data_dir}"\n[web]\nlisten = "127.0.0.1:{port}"\ntls = {str(tls).lower()}\n'
        f"{extra}\n"
        '[[cameras]]\nname = "road-north"\nurl = "rtsp://10.0.0.11/s"\n',
        encoding="utf-8",
    )
    process = subprocess.Popen([DOZOR, "web", "--config", str(config)], stderr=subprocess.PIPE, text=True)
    try:
        connect = lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close()  # noqa: E731
        started = wait_until(lambda: succeeds(connect)() or process.poll() is not None, 30)
        assert process.poll() is None, process.stderr.read()
        assert started, "dozor web did not start"
        yield port
    except BaseException:
        process.kill()
        process.wait()
        raise
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, "dozor web stops cleanly on SIGTERM"


def connection(port: int, source: str = "127.0.0.1", timeout: float = 10,
               context: ssl.SSLContext | None = None) -> http.client.HTTPConnection:
    """An HTTP(S) connection to the server from the loopback address `source`."""
    if context is not None:
        return http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=timeout, source_address=(source, 0), context=context
        )
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))


def raw_socket(port: int, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))


def is_open(sock: socket.socket) -> bool:
    """True while the server has neither closed nor reset the connection (nothing is read from it)."""
    timeout = sock.gettimeout()
    sock.setblocking(False)  # a socket with a timeout would wait for data even with MSG_DONTWAIT
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)


def sign_in(port: int, user: str, source: str = "127.0.0.1", password: str | None = None,
            context: ssl.SSLContext | None = None) -> str:
    """Sign in through /login like a browser; returns the session cookie ("name=value"). Police and
    admins then choose the test case through /case, as they must before plate data."""
    fields = {"username": user, "password": password or PASSWORDS[user]}
    cookie = _send_form(port, "/login", "", fields, source, context)
    if user in ("police", "admin"):
        _send_form(port, "/case", cookie, TEST_CASE, source, context)
    return cookie


def _send_form(port: int, path: str, cookie: str, fields: dict[str, str], source: str,
               context: ssl.SSLContext | None) -> str:
    """GET the form at `path` for its CSRF token, POST `fields` with it (expecting a redirect); returns
    the session cookie as it is afterwards."""
    scheme = "https" if context else "http"
    conn = connection(port, source, context=context)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    conn.request("POST", path, body=urlencode({**fields, "csrf_token": token}), headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"{scheme}://127.0.0.1:{port}{path}",
    })
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 302, response.status
    return (response.getheader("Set-Cookie") or cookie).split(";")[0]


def timed_get(port: int, path: str, cookie: str = "", source: str = "127.0.0.1",
              context: ssl.SSLContext | None = None) -> tuple[float, int, bytes]:
    """(seconds from connecting to the whole answer, status, body) of one GET on a new connection."""
    began = time.monotonic()
    conn = connection(port, source, context=context)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return time.monotonic() - began, response.status, body
