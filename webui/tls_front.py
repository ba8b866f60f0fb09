"""HTTPS for the web UI: a small TLS front in the `dozor web` process, in front of waitress.

Waitress speaks plain HTTP only. With `[web] tls = true`, waitress listens on a private Unix socket and
this front accepts TLS on `[web] listen`, forwards each request to it and adds who the client is
(`X-Forwarded-For`, `X-Forwarded-Proto: https`), removing any such header the client sent, so the login
lockout sees real addresses and nobody can pretend to be someone else. It reads request heads to do
that (so it knows where each request ends); bodies and responses pass through untouched. Chunked request
bodies (never sent by browsers for forms or fetch) are refused with 411.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from pathlib import Path

log = logging.getLogger(__name__)
HEAD_LIMIT = 64 * 1024
IDLE_SECONDS = 300
_PROXY_HEADERS = (b"x-forwarded-", b"forwarded:", b"x-real-ip:")


class CertificateMissing(Exception):
    """`[web] tls = true` but no certificate/key in the TLS folder: `dozor web` exits 1 with the fix."""


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    if not cert.is_file() or not key.is_file():
        raise CertificateMissing(
            f"[web] tls = true but {cert} or {key} is missing; create them (the appliance install does), "
            f"e.g. openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=dozor "
            f"-keyout {key} -out {cert}"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class TlsFront:
    """Accept TLS on host:port, forward plain HTTP to waitress's Unix socket; runs in its own thread."""

    def __init__(self, host: str, port: int, backend_socket: str, context: ssl.SSLContext):
        self.host, self.port = host, port
        self.backend_socket = backend_socket
        self.context = context
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self.thread = threading.Thread(target=self._run, name="tls-front", daemon=True)

    def start(self) -> None:
        self.thread.start()
        self._ready.wait(10)
        if self._server is None:
            raise OSError(f"cannot listen on {self.host}:{self.port}")

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)

    @property
    def bound_port(self) -> int:
        return self._server.sockets[0].getsockname()[1] if self._server else 0

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._server = self.loop.run_until_complete(
                asyncio.start_server(
                    self._connection,
                    self.host,
                    self.port,
                    ssl=self.context,
                    ssl_handshake_timeout=15,
                    limit=HEAD_LIMIT,
                )
            )
        except OSError as exc:
            log.error("TLS front cannot listen on %s:%s: %s", self.host, self.port, exc)
        finally:
            self._ready.set()
        if self._server is not None:
            self.loop.run_forever()

    async def _connection(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        peer = (client_w.get_extra_info("peername") or ("?",))[0]
        try:
            backend_r, backend_w = await asyncio.open_unix_connection(self.backend_socket)
        except OSError as exc:
            log.error("web UI backend unreachable: %s", exc)
            client_w.close()
            return
        requests = asyncio.ensure_future(self._requests(client_r, client_w, backend_w, peer))
        responses = asyncio.ensure_future(_pipe(backend_r, client_w))
        await asyncio.wait({requests, responses}, return_when=asyncio.FIRST_COMPLETED)
        if not responses.done():  # the client is done sending: let the last response finish
            await asyncio.wait({responses}, timeout=IDLE_SECONDS)
        for task in (requests, responses):
            task.cancel()
        for writer in (backend_w, client_w):
            writer.close()

    async def _requests(
        self,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        backend_w: asyncio.StreamWriter,
        peer: str,
    ) -> None:
        while True:
            try:
                head = await asyncio.wait_for(client_r.readuntil(b"\r\n\r\n"), IDLE_SECONDS)
            except (
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                TimeoutError,
                ConnectionError,
                ssl.SSLError,
            ):
                return
            lines = head[:-4].split(b"\r\n")
            kept = [line for line in lines[1:] if not line.lower().startswith(_PROXY_HEADERS)]
            length, chunked = 0, False
            for line in kept:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip() or b"0")
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    chunked = True
            if chunked:
                client_w.write(
                    b"HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                await client_w.drain()
                return
            forwarded = [b"X-Forwarded-For: " + peer.encode(), b"X-Forwarded-Proto: https"]
            backend_w.write(b"\r\n".join([lines[0], *kept, *forwarded]) + b"\r\n\r\n")
            while length > 0:
                chunk = await client_r.read(min(length, 65536))
                if not chunk:
                    return
                backend_w.write(chunk)
                length -= len(chunk)
            await backend_w.drain()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except (ConnectionError, ssl.SSLError):
        return
