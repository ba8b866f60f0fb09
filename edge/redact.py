"""Keeping camera credentials out of logs, CLI output and error messages.

Installers paste RTSP addresses with user and password; anything Dozor prints goes through
`mask_url`, and `CredentialFilter` on the root logger catches what a library might print.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user:password@host  ->  scheme://user:***@host (also inside longer text)
_CREDENTIALS_IN_TEXT = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/\s]*):(?P<pw>[^@/\s]*)@", re.I
)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***; the user name stays (it helps to diagnose)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_text(url)
    if parts.password is None:
        return mask_text(url)
    # Everything after the last '@' as written (urllib raises on a bad port only when asked for it).
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def mask_text(text: str) -> str:
    """Mask every user:password@ found in free text (FFmpeg error messages quote the URL)."""
    return _CREDENTIALS_IN_TEXT.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


class CredentialFilter(logging.Filter):
    """Rewrites log records so no password reaches a handler, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
