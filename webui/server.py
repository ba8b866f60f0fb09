"""Serving the app with waitress, the production WSGI server (pure Python, runs on a Pi as on a NUC).

With `[web] tls = true`, waitress listens on a private Unix socket behind webui.tls_front, which serves
HTTPS with <storage.path>/tls/cert.pem and key.pem. SIGTERM (systemd stop, or the supervisor) ends the
process cleanly: waitress finishes its loop and exits 0. Nothing needs saving: every write to web.db is
its own committed transaction.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from typing import Any

from edge.config import Config

log = logging.getLogger(__name__)


def build_server(config: Config, *, threads: int = 8, **overrides: Any):
    """The waitress server for `config` (not yet running); `overrides` are waitress adjustments."""
    from waitress import create_server

    from webui import create_app

    app = create_app(config)
    options: dict[str, Any] = {
        "host": config.web.host,
        "port": config.web.port,
        "threads": threads,
        "ident": "Dozor",
        # Waitress never trusts X-Forwarded-* unless told to: the client address stays the real one,
        # which the login lockout relies on.
        "clear_untrusted_proxy_headers": True,
        "url_scheme": "https" if config.web.tls else "http",
        "channel_timeout": 120,
    }
    options.update(overrides)
    if "unix_socket" in options:
        del options["host"], options["port"]
    return create_server(app, **options)


def serve(config: Config, *, threads: int = 8) -> None:
    front = None
    if config.web.tls:
        import tempfile

        from edge.layout import DataLayout
        from webui.tls_front import TlsFront, tls_context

        tls_dir = DataLayout(config.storage.path).tls_dir
        context = tls_context(tls_dir / "cert.pem", tls_dir / "key.pem")
        socket_path = str(Path(tempfile.mkdtemp(prefix="dozor-web-")) / "web.sock")
        server = build_server(
            config,
            threads=threads,
            unix_socket=socket_path,
            unix_socket_perms="600",
            trusted_proxy="localhost",
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
        )
        front = TlsFront(config.web.host, config.web.port, socket_path, context)
        front.start()
    else:
        server = build_server(config, threads=threads)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping the web UI", signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    log.info(
        "web UI listening on http%s://%s:%s",
        "s" if config.web.tls else "",
        server.effective_host,
        server.effective_port,
    )
    server.run()
