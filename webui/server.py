"""Serving the app with cheroot (CherryPy's WSGI server): one code path for HTTP and HTTPS.

cheroot speaks TLS itself (its builtin adapter over Python's `ssl`), so nothing hand-parses HTTP in
front of the app: the client address Flask sees is the TCP peer's (X-Forwarded-For is never trusted,
which the login lockout and the audit log rely on), and request framing is cheroot's, a server that
CherryPy has shipped for years. Idle keep-alive connections wait in its selector, not in a thread, so
`threads` bounds only requests in progress, of which each viewer of the live video holds one.
With `[web] tls = true` it serves <storage.path>/tls/cert.pem and key.pem (TLS 1.2 or newer).
SIGTERM (systemd stop, or the supervisor) ends the process cleanly with status 0; nothing needs
saving, since every write to web.db is its own committed transaction.
"""

from __future__ import annotations

import logging
import os
import signal
import ssl
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.layout import DataLayout

log = logging.getLogger(__name__)

HEADER_LIMIT = 64 * 1024  # request line + headers; browsers send a few KB
BODY_LIMIT = 1024 * 1024  # forms only (sign-in, accounts, export reason): nothing is uploaded
SOCKET_TIMEOUT = 30  # seconds a client may take to send a request or accept response bytes
QUEUE_SIZE = 64  # connections waiting for accept() during a burst
STOP_SECONDS = 8.0  # what a stop waits for running requests (within systemd's TimeoutStopSec=20)


class CertificateMissing(Exception):
    """`[web] tls = true` but no certificate/key in the TLS folder: `dozor web` exits 1 with the fix."""


class WebServer:
    """cheroot bound at construction (so the port is known at once, port 0 included); `run()` serves
    until `close()`. The small API (effective_host/port, run, close) is what tests and benches use."""

    def __init__(self, app: Any, host: str, port: int, *, threads: int, ssl_adapter: Any = None):
        from cheroot import wsgi

        self._server = wsgi.Server(
            (host, port), app, numthreads=threads, max=threads, server_name="Dozor",
            timeout=SOCKET_TIMEOUT, request_queue_size=QUEUE_SIZE, shutdown_timeout=5,
        )
        self._server.max_request_header_size = HEADER_LIMIT
        self._server.max_request_body_size = BODY_LIMIT
        self._server.ssl_adapter = ssl_adapter
        self._server.error_log = _error_log  # type: ignore[method-assign]  # its own goes to bare stderr
        self._server.prepare()  # binds and listens; OSError when the port is taken

    @property
    def effective_host(self) -> str:
        return self._server.bind_addr[0]

    @property
    def effective_port(self) -> int:
        return self._server.bind_addr[1]

    def run(self) -> None:
        self._server.serve()

    def close(self, timeout: float = STOP_SECONDS) -> bool:
        """Stop serving; True when every request ended within `timeout`. cheroot waits for running
        requests, and a live-video stream never ends by itself, so the wait is bounded here."""
        import threading

        stopper = threading.Thread(target=self._server.stop, name="web-stop", daemon=True)
        stopper.start()
        stopper.join(timeout)
        return not stopper.is_alive()


def _error_log(msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
    """cheroot's messages through our logger, so journald gets their priority."""
    log.log(level, "%s", msg, exc_info=traceback)


def tls_adapter(cert: Path, key: Path) -> Any:
    """cheroot's builtin TLS adapter for the certificate, TLS 1.2 at least; CertificateMissing if absent."""
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    if not cert.is_file() or not key.is_file():
        raise CertificateMissing(
            f"[web] tls = true but {cert} or {key} is missing; create them (the appliance install does), "
            f"e.g. openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=dozor "
            f"-keyout {key} -out {cert}"
        )
    adapter = BuiltinSSLAdapter(str(cert), str(key))
    adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
    return adapter


def build_server(config: Config, *, threads: int = 16, host: str | None = None,
                 port: int | None = None) -> WebServer:
    """The server for `config`, bound but not yet serving; `host`/`port` override `[web] listen`."""
    from webui import create_app

    adapter = None
    if config.web.tls:
        tls_dir = DataLayout(config.storage.path).tls_dir
        adapter = tls_adapter(tls_dir / "cert.pem", tls_dir / "key.pem")
    return WebServer(
        create_app(config),
        config.web.host if host is None else host,
        config.web.port if port is None else port,
        threads=threads,
        ssl_adapter=adapter,
    )


def serve(config: Config, *, threads: int = 16) -> None:
    """Serve until SIGTERM/SIGINT; tells systemd READY=1 once listening (dozor-web.service)."""
    from edge.sdnotify import Notifier

    server = build_server(config, threads=threads)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping the web UI", signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    url = f"http{'s' if config.web.tls else ''}://{server.effective_host}:{server.effective_port}"
    log.info("web UI listening on %s (%d threads)", url, threads)
    Notifier().ready(f"serving {url}")
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("interrupted: stopping the web UI")
    finally:
        if not server.close():
            # Requests still running are live-video streams (nothing to save: every write to web.db is
            # committed); their threads would keep the process alive, so leave without them.
            log.info("cutting the live-video streams still open")
            logging.shutdown()
            os._exit(0)
