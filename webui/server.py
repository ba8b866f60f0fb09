"""Serving the app: an asyncio server whose HTTP/1.1 is hypercorn's (h11), for HTTP and HTTPS alike.

Built so that no client can stall the UI, signed in or not. A connection costs a socket in the event
loop, not a thread, until its request has arrived whole: one that sends nothing or trickles its headers
is closed REQUEST_SECONDS after it opened (or after its last response), a TLS handshake must finish in
HANDSHAKE_SECONDS, a body in BODY_SECONDS, and a client that takes no response bytes for SEND_SECONDS
is cut off. One address may hold at most `[web] connections_per_address` connections (counted before
the TLS handshake). Requests run on a pool of threads; live video, video files and exports run on
threads of their own (webui.wsgi_bridge), at most `[web] streams_per_user` per user (webui.streams).

This module accepts connections itself (the cap, TLS) and hands each one to hypercorn's TCPServer; the
client address Flask sees is the TCP peer's (X-Forwarded-For is never trusted), which the sign-in
lockout and the audit log rely on. With `[web] tls = true` it serves <storage.path>/tls/cert.pem and
key.pem (TLS 1.2 or newer). SIGTERM ends the process cleanly with status 0; nothing needs saving, since
every write to web.db is its own committed transaction.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import signal
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from edge.config import Config
from edge.layout import DataLayout

log = logging.getLogger(__name__)

HEADER_LIMIT = 32 * 1024  # an unfinished request line + headers held in memory; browsers send a few KB
BODY_LIMIT = 1024 * 1024  # forms only (sign-in, accounts, export reason): nothing is uploaded
REQUEST_SECONDS = 10  # from opening (or the last response) to a complete request line and headers
BODY_SECONDS = 10  # from the headers to the end of the body
HANDSHAKE_SECONDS = 10  # a TLS handshake
SEND_SECONDS = 30  # a client that takes no response bytes for this long is cut off
CLOSE_SECONDS = 5  # a closing connection whose client will not take its last bytes is aborted
MAX_CONNECTIONS = 4096  # all addresses together; file descriptors are raised above this at start
STREAM_THREADS = 32  # long-lived responses of all users together
QUEUE_SIZE = 128  # connections waiting for accept() during a burst
STOP_SECONDS = 8.0  # what a stop waits for running requests (within systemd's TimeoutStopSec=20)


class CertificateMissing(Exception):
    """`[web] tls = true` but no certificate/key in the TLS folder: `dozor web` exits 1 with the fix."""


class WebServer:
    """Bound at construction (so the port is known at once, port 0 included); `run()` serves until
    `close()` or, when `stop_signals` are given to it in the main thread, until one of them arrives.
    The small API (effective_host/port, run, close) is what tests and benches use."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        *,
        threads: int,
        ssl_context: ssl.SSLContext | None = None,
        per_address: int = 64,
        stream_threads: int = STREAM_THREADS,
        long_lived: Callable[[dict], bool] = lambda environ: False,
    ):
        from webui.wsgi_bridge import WsgiBridge

        self.bridge = WsgiBridge(
            app,
            threads=threads,
            stream_threads=stream_threads,
            long_lived=long_lived,
            body_limit=BODY_LIMIT,
            body_seconds=BODY_SECONDS,
        )
        self.ssl_context = ssl_context
        self.per_address = per_address
        self._socket = _listen(host, port)
        self._open: Counter[str] = Counter()
        self._warned: set[str] = set()  # addresses told about once while they stay at their cap
        self._connections: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._finished = threading.Event()
        self._clean = True

    @property
    def effective_host(self) -> str:
        return self._socket.getsockname()[0]

    @property
    def effective_port(self) -> int:
        return self._socket.getsockname()[1]

    def open_connections(self, address: str) -> int:
        """Connections from `address` now (tests and logs)."""
        return self._open[address]

    def run(self, stop_signals: tuple[int, ...] = (), grace: float = STOP_SECONDS,
            on_ready: Callable[[], object] = lambda: None) -> None:
        """Serve until stopped; `on_ready()` once the loop accepts connections and handles the signals."""
        try:
            asyncio.run(self._serve(stop_signals, grace, on_ready))
        finally:
            self._started.set()
            self._finished.set()

    def close(self, timeout: float = STOP_SECONDS) -> bool:
        """Stop serving; True when every request ended within `timeout` (a live stream never ends by
        itself: it is cut then)."""
        self._started.wait(5)
        if self._loop is not None and self._stop is not None and not self._finished.is_set():
            self._grace = timeout
            self._loop.call_soon_threadsafe(self._stop.set)
        self._finished.wait(timeout + CLOSE_SECONDS)
        return self._clean

    async def _serve(
        self, stop_signals: tuple[int, ...], grace: float, on_ready: Callable[[], object]
    ) -> None:
        from hypercorn.asyncio.worker_context import WorkerContext

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._grace = grace
        for signum in stop_signals:
            self._loop.add_signal_handler(signum, self._on_signal, signum)
        context = WorkerContext(None)
        config = _hypercorn_config()
        server = await asyncio.start_server(
            lambda reader, writer: self._connection(reader, writer, config, context),
            sock=self._socket,
            backlog=QUEUE_SIZE,
        )
        self._started.set()
        on_ready()
        try:
            await self._stop.wait()
        finally:
            server.close()
            await context.terminated.set()  # idle keep-alive connections close now, busy ones after
            self._clean = await self._drain(self._grace)
            self.bridge.shutdown()

    def _on_signal(self, signum: int) -> None:
        log.info("signal %d: stopping the web UI", signum)
        if self._stop is not None:
            self._stop.set()

    async def _drain(self, grace: float) -> bool:
        """Wait up to `grace` for the connections still serving; abort the rest. True if none was left."""
        if self._connections:
            await asyncio.wait(set(self._connections), timeout=grace)
        left = set(self._connections)
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left, timeout=CLOSE_SECONDS)
        return not left

    async def _connection(self, reader: Any, writer: asyncio.StreamWriter, config: Any, context: Any) -> None:
        from hypercorn.app_wrappers import ASGIWrapper
        from hypercorn.asyncio.tcp_server import TCPServer

        peer = (writer.get_extra_info("peername") or ("?",))[0]
        if self._open[peer] >= self.per_address or sum(self._open.values()) >= MAX_CONNECTIONS:
            writer.transport.abort()
            if peer not in self._warned:
                self._warned.add(peer)
                log.warning("%s holds %d connections (all: %d): refusing more", peer, self._open[peer],
                            sum(self._open.values()))
            return
        self._open[peer] += 1
        task = asyncio.current_task()
        assert task is not None  # a connection is served in its own task
        self._connections.add(task)
        try:
            if self.ssl_context is not None:
                await writer.start_tls(self.ssl_context, ssl_handshake_timeout=HANDSHAKE_SECONDS)
            # hypercorn's types name its own classes; the bridge is an ASGI app and the deadline writer a
            # StreamWriter by what they do
            app = ASGIWrapper(cast(Any, self.bridge))
            connection = cast(asyncio.StreamWriter, _DeadlineWriter(writer))
            await TCPServer(app, asyncio.get_running_loop(), config, context, {}, reader, connection)
        except (OSError, ssl.SSLError, TimeoutError):
            pass  # a failed handshake, a reset: nothing was served
        except asyncio.CancelledError:
            pass
        finally:
            writer.transport.abort()
            self._connections.discard(task)
            self._open[peer] -= 1
            if not self._open[peer]:
                del self._open[peer]
                self._warned.discard(peer)


class _DeadlineWriter:
    """The stream hypercorn writes a connection's responses to, with deadlines on waiting for the
    client: a client that takes nothing for SEND_SECONDS is cut off (its response's thread then stops)."""

    def __init__(self, writer: asyncio.StreamWriter):
        self._writer = writer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)

    async def drain(self) -> None:
        try:
            await asyncio.wait_for(self._writer.drain(), SEND_SECONDS)
        except TimeoutError:
            self._writer.transport.abort()
            raise ConnectionResetError(f"the client took nothing for {SEND_SECONDS} s") from None

    async def wait_closed(self) -> None:
        try:
            await asyncio.wait_for(self._writer.wait_closed(), CLOSE_SECONDS)
        except TimeoutError:
            self._writer.transport.abort()


def _hypercorn_config() -> Any:
    from hypercorn.config import Config as HypercornConfig

    config = HypercornConfig()
    config.keep_alive_timeout = REQUEST_SECONDS
    config.h11_max_incomplete_size = HEADER_LIMIT
    config.h2_max_concurrent_streams = 6  # h2c by prior knowledge: no more in flight than a browser's 6
    config.include_server_header = False  # the bridge says "Dozor"
    config.errorlog = logging.getLogger("hypercorn.error")  # through our handlers, with levels
    config.accesslog = None
    return config


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (OSError when the port is taken)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(QUEUE_SIZE)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The server's TLS context (TLS 1.2 at least, HTTP/1.1 by ALPN); CertificateMissing if absent."""
    if not cert.is_file() or not key.is_file():
        raise CertificateMissing(
            f"[web] tls = true but {cert} or {key} is missing; create them (the appliance install does), "
            f"e.g. openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=dozor "
            f"-keyout {key} -out {cert}"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    context.load_cert_chain(str(cert), str(key))
    return context


def build_server(config: Config, *, threads: int = 16, host: str | None = None,
                 port: int | None = None) -> WebServer:
    """The server for `config`, bound but not yet serving; `host`/`port` override `[web] listen`."""
    from webui import create_app
    from webui.streams import is_long_lived

    context = None
    if config.web.tls:
        tls_dir = DataLayout(config.storage.path).tls_dir
        context = tls_context(tls_dir / "cert.pem", tls_dir / "key.pem")
    app = create_app(config)
    return WebServer(
        app,
        config.web.host if host is None else host,
        config.web.port if port is None else port,
        threads=threads,
        ssl_context=context,
        per_address=config.web.connections_per_address,
        long_lived=lambda environ: is_long_lived(app, environ),
    )


def _raise_file_limit() -> None:
    """Enough file descriptors for MAX_CONNECTIONS plus databases and video files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * MAX_CONNECTIONS + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def serve(config: Config, *, threads: int = 16) -> None:
    """Serve until SIGTERM/SIGINT; tells systemd READY=1 once listening (dozor-web.service)."""
    from edge.sdnotify import Notifier

    def stop_before_serving(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping the web UI", signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop_before_serving)  # until the loop handles it
    _raise_file_limit()
    server = build_server(config, threads=threads)
    url = f"http{'s' if config.web.tls else ''}://{server.effective_host}:{server.effective_port}"
    log.info("web UI listening on %s (%d threads)", url, threads)
    notifier = Notifier()
    server.run((signal.SIGTERM, signal.SIGINT), on_ready=lambda: notifier.ready(f"serving {url}"))
    if not server.close():
        # Requests still running are live-video streams or exports (nothing to save: every write to
        # web.db is committed); their threads would keep the process alive, so leave without them.
        log.info("cutting the live-video streams still open")
        logging.shutdown()
        os._exit(0)
