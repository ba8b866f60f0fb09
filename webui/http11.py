"""HTTP/1.1 only: hypercorn's TCPServer without its ways into HTTP/2.

hypercorn switches a plain connection to HTTP/2 when it starts with HTTP/2's preface (h2c by prior
knowledge) or asks for `Upgrade: h2c`. Over HTTP/2 the client's flow-control window decides when a
response may be sent, with no deadline of ours (webui.server's deadlines watch the TCP writer): streams
opened with a zero window each held a request thread for good, and a connection that sent only the
preface never timed out. Browsers reach the UI over HTTP/1.1 (over TLS, ALPN offers only that), so the
preface now closes the connection and an upgrade request is answered in HTTP/1.1 (RFC 9110 lets a
server ignore Upgrade).
"""

from __future__ import annotations

from typing import Any

import hypercorn.asyncio.tcp_server as hypercorn_tcp_server
from hypercorn.protocol import ProtocolWrapper
from hypercorn.protocol.h11 import H11Protocol


class _Http11Only(H11Protocol):
    async def _check_protocol(self, event: Any) -> None:
        if event.method == b"PRI" and event.target == b"*":  # HTTP/2's connection preface
            raise ConnectionAbortedError("HTTP/2 is not served")  # TCPServer closes on an OSError


class _Http11Wrapper(ProtocolWrapper):
    """The protocol of each of hypercorn's TCPServer connections: always _Http11Only."""

    def __init__(self, app: Any, config: Any, context: Any, task_group: Any, state: Any, tls: bool,
                 client: Any, server: Any, send: Any, alpn_protocol: str | None = None):
        super().__init__(app, config, context, task_group, state, tls, client, server, send, "http/1.1")
        self.protocol = _Http11Only(app, config, context, task_group, state, tls, client, server, send)


def serve_http11_only() -> None:
    """Make every TCPServer of this process speak HTTP/1.1 only. TCPServer builds its connections'
    protocol from a module-level name (hypercorn is pinned to 0.18.x; tests/test_web_http2.py checks
    it), and the web process serves nothing else with hypercorn."""
    hypercorn_tcp_server.ProtocolWrapper = _Http11Wrapper  # type: ignore[assignment,misc]
