"""`[web] tls = true`: `dozor web` serves HTTPS with the certificate in <storage.path>/tls, cookies are
Secure, and the login lockout and audit log see the real client address (a forged X-Forwarded-For is
dropped)."""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from recording import wait_until
from web_http import dozor_web, is_open, raw_socket, timed_get
from webapp import PASSWORDS, add_standard_users

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.layout import DataLayout
from webui.server import HANDSHAKE_SECONDS

pytestmark = pytest.mark.slow
DOZOR = str(Path(sys.executable).parent / "dozor")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path, data_dir, port) -> Path:
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n[web]\nlisten = "127.0.0.1:{port}"\ntls = true\n')
    return config


@pytest.fixture
def https_site(tmp_path, data_dir):
    tls = DataLayout(data_dir).tls_dir
    tls.mkdir(parents=True)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=dozor.local",
            "-keyout",
            str(tls / "key.pem"),
            "-out",
            str(tls / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    add_standard_users(data_dir)
    context = ssl.create_default_context(cafile=str(tls / "cert.pem"))
    context.check_hostname = False
    with dozor_web(tmp_path, data_dir, tls=True) as port:
        yield port, context


def request(port, context, method, path, body=None, headers=None):
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


def test_https_login_sets_a_secure_cookie_and_the_audit_sees_the_real_address(https_site, data_dir):
    port, context = https_site
    response, body = request(port, context, "GET", "/login")
    assert response.status == 200 and "Увійти" in body.decode()
    cookie = response.getheader("Set-Cookie")
    assert "Secure" in cookie and "HttpOnly" in cookie
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body.decode()).group(1)
    form = urlencode({"username": "police", "password": PASSWORDS["police"], "csrf_token": token})
    response, _ = request(
        port,
        context,
        "POST",
        "/login",
        form,
        {
            "Cookie": cookie.split(";")[0],
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{port}/login",
            "X-Forwarded-For": "10.9.9.9",
        },
    )
    assert response.status == 302, response.status
    assert "Secure" in response.getheader("Set-Cookie")
    entry = audit.entries(open_web_db(DataLayout(data_dir)), action=AuditAction.LOGIN_OK)[0]
    assert entry.ip == "127.0.0.1", "the client's address, not the proxy's and not a forged one"


def test_plain_http_to_the_https_port_gets_nothing(https_site):
    port, _ = https_site
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine)):
        conn.request("GET", "/healthz")
        conn.getresponse()


def test_missing_certificate_is_a_clear_error(tmp_path, data_dir):
    done = subprocess.run(
        [DOZOR, "web", "--config", str(write_config(tmp_path, data_dir, free_port()))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "cert.pem" in done.stderr and "openssl req" in done.stderr


def test_tls_handshakes_that_never_finish_neither_stall_the_ui_nor_stay_open(https_site):
    port, context = https_site
    stalled = [raw_socket(port, f"127.0.0.{2 + n % 2}") for n in range(64)]
    for sock in stalled[::2]:
        sock.sendall(b"\x16\x03\x01\x02\x00")  # the record header of a ClientHello, and nothing after it
    began = time.monotonic()
    for _ in range(3):
        seconds, status, _ = timed_get(port, "/healthz", context=context)
        assert status == 200 and seconds < 1.0, seconds
    assert all(is_open(sock) for sock in stalled)
    timed_out = wait_until(lambda: not any(is_open(sock) for sock in stalled), HANDSHAKE_SECONDS + 5, 0.25)
    assert timed_out, "unfinished handshakes were not timed out"
    assert time.monotonic() - began > HANDSHAKE_SECONDS - 2
    for sock in stalled:
        sock.close()


def test_hsts_is_sent_under_tls(https_site):
    port, context = https_site
    response, _ = request(port, context, "GET", "/login")
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
