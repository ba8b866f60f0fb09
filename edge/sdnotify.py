"""sd_notify: tell systemd that the daemon is ready, still alive (watchdog), stopping, and how it is doing.

The protocol is one datagram per message to the Unix socket named by $NOTIFY_SOCKET (an abstract socket
when the name starts with '@'), so a few lines of standard library do it: no systemd Python bindings in
the venv. Outside systemd (no NOTIFY_SOCKET) every call is a no-op, so `dozor run` in a terminal and in
the tests behaves the same. Sending never raises: a lost notification must not stop recording.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, address: str | None = None):
        self.address = os.environ.get("NOTIFY_SOCKET", "") if address is None else address
        self._warned = False

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def watchdog_seconds(self) -> float | None:
        """The interval systemd expects WATCHDOG=1 within (WatchdogSec=), or None without a watchdog."""
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        if not usec.isdigit() or (pid and pid != str(os.getpid())):
            return None
        return int(usec) / 1_000_000

    def notify(self, *fields: str) -> bool:
        """Send "KEY=value" lines as one message; True if it was sent."""
        if not self.address:
            return False
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto("\n".join(fields).encode(), target)
            return True
        except OSError as exc:
            if not self._warned:  # once: a broken socket would otherwise log every second
                log.warning("cannot notify systemd at %s: %s", self.address, exc)
                self._warned = True
            return False

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")
