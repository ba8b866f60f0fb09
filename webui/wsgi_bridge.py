"""Runs the Flask (WSGI) app for the asyncio server (webui.server) on two pools of threads.

The event loop reads each request whole, its body bounded in size and time, before any thread is
involved; then the app runs on the request threads, or, for views marked long-lived (live video, video
files, exports: webui.streams), on threads of their own, so viewers can never take the threads that
answer searches. Every chunk of a response is handed back to the loop and waited for, so a client that
reads slowly slows only its own thread, and one that has gone makes its response stop at the next chunk
(an endless live stream included).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.wsgi import FileWrapper

log = logging.getLogger(__name__)

FILE_BLOCK = 256 * 1024  # send_file's reads: fewer hand-overs to the loop than werkzeug's 8 KiB


class ClientGone(Exception):
    """The client closed the connection (or was cut off for not reading): the response stops here."""


class _TooLarge(Exception):
    pass


class WsgiBridge:
    """An ASGI application serving `app`; `long_lived(environ)` picks the pool for a request."""

    def __init__(
        self,
        app: Callable,
        *,
        threads: int,
        stream_threads: int,
        long_lived: Callable[[dict], bool],
        body_limit: int,
        body_seconds: float,
    ):
        self.app = app
        self.long_lived = long_lived
        self.body_limit = body_limit
        self.body_seconds = body_seconds
        self.requests = ThreadPoolExecutor(threads, thread_name_prefix="web")
        self.streams = ThreadPoolExecutor(stream_threads, thread_name_prefix="web-stream")
        self.stream_threads = stream_threads
        self.streaming = 0  # long-lived responses running (touched only in the loop's thread)

    def shutdown(self) -> None:
        """Forget queued requests; running ones end at their next chunk once their client is gone."""
        for pool in (self.requests, self.streams):
            pool.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})
            return
        try:
            body = await self._read_body(scope, receive)
        except _TooLarge:
            await _plain(send, 413, "Request too large.")
            return
        except TimeoutError:
            await _plain(send, 408, "The request took too long to arrive.")
            return
        except ClientGone:
            return
        environ = build_environ(scope, body)
        if not self.long_lived(environ):
            await self._run(self.requests, environ, receive, send)
        elif self.streaming >= self.stream_threads:
            await _plain(send, 503, "Too many videos are being watched at once; try again in a minute.")
        else:
            self.streaming += 1
            try:
                await self._run(self.streams, environ, receive, send)
            finally:
                self.streaming -= 1

    async def _read_body(self, scope: dict, receive: Callable) -> bytes:
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.body_limit:
            raise _TooLarge
        chunks, size = [], 0
        async with asyncio.timeout(self.body_seconds):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.body_limit:
                    raise _TooLarge
                chunks.append(chunk)
                if not message.get("more_body"):
                    return b"".join(chunks)

    async def _run(self, pool: ThreadPoolExecutor, environ: dict, receive: Callable, send: Callable) -> None:
        exchange = _Exchange(asyncio.get_running_loop(), send)
        watcher = asyncio.create_task(_watch_disconnect(receive, exchange))
        try:
            await asyncio.get_running_loop().run_in_executor(pool, exchange.run, self.app, environ)
        except ClientGone:
            pass
        except Exception:
            log.exception("error serving %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
            if not exchange.started:
                await _plain(send, 500, "Internal error.")
        finally:
            exchange.gone = True  # if this task was cancelled (shutdown), the thread stops at its next chunk
            watcher.cancel()


async def _watch_disconnect(receive: Callable, exchange: _Exchange) -> None:
    """The request is read whole, so the only message left to receive is the client's disconnection."""
    while (await receive())["type"] != "http.disconnect":
        pass
    exchange.gone = True


class _Exchange:
    """One response, produced on a worker thread and sent by the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, send: Callable):
        self.loop = loop
        self._send = send
        self.gone = False
        self.started = False
        self._start: dict | None = None

    def run(self, app: Callable, environ: dict) -> None:
        body: Iterable[bytes] = app(environ, self._start_response)
        try:
            for chunk in body:
                if chunk:
                    self._write(chunk)
            self._send_start()
            self._deliver({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _start_response(self, status: str, headers: list, exc_info: Any = None) -> Callable:
        if exc_info is not None and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        code = int(status.split(" ", 1)[0])
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        raw.append((b"server", b"Dozor"))
        self._start = {"type": "http.response.start", "status": code, "headers": raw}
        return self._write

    def _write(self, chunk: bytes) -> None:
        self._send_start()
        self._deliver({"type": "http.response.body", "body": bytes(chunk), "more_body": True})

    def _send_start(self) -> None:
        if not self.started:
            if self._start is None:
                raise RuntimeError("the app sent a body before start_response")
            self.started = True
            self._deliver(self._start)

    def _deliver(self, message: dict) -> None:
        """Hand `message` to the loop and wait until the client's socket took it (or the server gave up
        on the client: webui.server cuts a client that takes nothing for a while)."""
        if self.gone:
            raise ClientGone
        asyncio.run_coroutine_threadsafe(self._send(message), self.loop).result()
        if self.gone:
            raise ClientGone


async def _plain(send: Callable, status: int, text: str) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        (b"server", b"Dozor"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _file_wrapper(file: Any, block_size: int = 8192) -> FileWrapper:
    return FileWrapper(file, max(block_size, FILE_BLOCK))


def build_environ(scope: dict, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP request whose body has been read."""
    import io

    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": _file_wrapper,
        "CONTENT_LENGTH": str(len(body)),
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1")
        if "_" in name or name == "content-length":
            continue  # X_Forwarded_For must not pass for X-Forwarded-For; the body as read is what counts
        key = "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
