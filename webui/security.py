"""HTTP hardening applied to every response, and a small per-address rate limit.

The CSP allows scripts, styles and media only from Dozor itself (no inline script: every script is a
file in webui/static), and frames from nowhere; under HTTPS, HSTS keeps browsers on HTTPS. Responses
are `no-store` except static files, because most pages carry plate data that must not linger in a
shared browser's cache.
"""

from __future__ import annotations

import threading
from collections import deque

from flask import Response, request

from edge.clock import Clock

HSTS_SECONDS = 365 * 24 * 3600
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of POSTs under HTTPS.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        # A year; browsers ignore it over a certificate they had to be told to accept (self-signed),
        # and keep to HTTPS once the appliance has a trusted one.
        response.headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
    if request.endpoint == "static":
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


class RateLimit:
    """At most `limit` requests per `seconds` per client address (sliding window, in memory).

    Hand-written rather than Flask-Limiter: one public route needs it, and Flask-Limiter would bring
    `limits` and `rich` onto a Raspberry Pi for ~25 lines of logic."""

    def __init__(self, clock: Clock, limit: int, seconds: float, max_clients: int = 4096):
        self.clock = clock
        self.limit = limit
        self.seconds = seconds
        self.max_clients = max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = self.clock.monotonic()
        with self._lock:
            if len(self._hits) >= self.max_clients and client not in self._hits:
                self._hits.clear()  # many addresses at once: start afresh rather than grow without bound
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True
