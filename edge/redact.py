"""Keeping camera credentials out of logs, CLI output and error messages.

Installers paste RTSP addresses with user and password; anything Dozor prints goes through
`mask_url`, and `CredentialFilter` on the root logger catches what a library might print.
Passwords may hold '@', ':' and spaces (cameras allow them; '/', '?' and '#' must be percent-encoded
in a URL, for FFmpeg as for urllib): a URL is split at the last '@' of its authority, as urllib
does, and in free text at the last '@' followed by something shaped like a host.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user:password@host  ->  scheme://user:***@host, inside longer text: the password runs to
# the last '@' before the path that is followed by a host name or address (and a port, a path, the
# end of the text, or a space or punctuation); greedy, so an '@' inside the password is passed over.
_HOST_AHEAD = r"(?=(?:[a-z0-9][\w.-]*|\[[0-9a-f:.]+\])(?::\d+)?(?:[/?#\s,;)'\"]|$))"
_CREDENTIALS_IN_TEXT = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/\n]*):(?P<pw>[^/?#\n]*)@" + _HOST_AHEAD, re.I
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
