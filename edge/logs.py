"""Logging set-up for every Dozor process: one logger per module, credentials masked, journald-aware.

Under systemd (JOURNAL_STREAM is set) lines go to stderr with a `<priority>` prefix that journald turns
into the message's level, and without a timestamp (journald adds its own); a line break inside a message
is escaped, so no text can pose as a line of its own. On a terminal, lines carry the time.
"""

from __future__ import annotations

import logging
import os
import sys

from edge.redact import CredentialFilter

_SYSLOG_PRIORITY = {
    logging.DEBUG: 7,
    logging.INFO: 6,
    logging.WARNING: 4,
    logging.ERROR: 3,
    logging.CRITICAL: 2,
}


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = _SYSLOG_PRIORITY.get(record.levelno, 6)
        return f"<{priority}>" + super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        """journald makes each line of the stream an entry of its own: a line break in a message (a user
        name typed at the sign-in form, say) would let its text pose as a line of the service, such as
        a witnessed audit head. Breaks in the message are escaped; tracebacks keep their lines."""
        record.message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        return super().formatMessage(record)


def setup_logging(level: str = "INFO", process: str = "dozor") -> None:
    """Configure the root logger once per process."""
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(_JournalFormatter(f"{process}: %(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {process} %(name)s: %(message)s"))
    handler.addFilter(CredentialFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # libav's own chatter (e.g. "RTP: missed packets") is useful only when debugging a camera.
    logging.getLogger("libav").setLevel(logging.ERROR)
