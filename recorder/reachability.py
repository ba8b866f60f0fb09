"""A cheap "is the camera's stream back?" check, so a camera that returns is recorded within seconds.

Reconnection backs off from 1 s to 10 s so a broken camera is not hammered, but waiting out a 10 s
backoff would lose up to 10 s of video after the camera returns. While waiting, the recorder asks the
camera once a second with a bare RTSP DESCRIBE (no credentials, a few hundred bytes, 1 s timeout): when
the answer turns from "nothing there" to "a stream is there" (200, or 401 asking for the password the
real connection has), it reconnects at once. RTSPS cameras are not probed (they just back off).
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

PROBE_TIMEOUT = 1.0


def stream_present(url: str, timeout: float = PROBE_TIMEOUT) -> bool | None:
    """True if the camera answers DESCRIBE for the stream, False if not; None = cannot tell (rtsps)."""
    parts = urlsplit(url)
    if parts.scheme != "rtsp" or not parts.hostname:
        return None
    port = parts.port or 554
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    bare = urlunsplit(("rtsp", f"{host}:{port}", parts.path or "/", parts.query, ""))
    request = f"DESCRIBE {bare} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\nUser-Agent: dozor\r\n\r\n"
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(request.encode())
            status_line = sock.recv(256).split(b"\r\n", 1)[0].split()
    except (OSError, ValueError):  # ValueError: a host or port that cannot even be looked up
        return False
    answered = len(status_line) >= 2 and status_line[0].startswith(b"RTSP/")
    return answered and status_line[1] in (b"200", b"401")
