"""Keeping camera credentials out of logs, CLI output and error messages.

Installers paste RTSP addresses with user and password; anything Dozor prints goes through
`mask_url`, and `CredentialFilter` on the root logger catches what a library might print.
Passwords may hold '@', ':' and spaces (cameras allow them; '/', '?' and '#' must be percent-encoded
in a URL, for FFmpeg as for urllib, but are masked all the same when they are not): a URL is split at
the last '@' of its authority, as urllib does, and in free text at the last '@' followed by something
shaped like a host.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user:password@host  ->  scheme://user:***@host, inside longer text. The user name runs to the
# first ':' (it may hold '@': an e-mail address). The password runs to the last '@' before the path that
# is followed by a host name or address (IPv6 with its zone too) and a port, where a host cannot go on
# (a path, the end, a space or any punctuation but '@'); greedy, so an '@' inside the password is passed
# over. A password with an unencoded '/', '?' or '#' (invalid, but pasted from a camera's page) is
# caught second: then the password runs to the first '@' followed by a host, unless what follows the
# ':' is a port and a path ("rtsp://host:554/live@main" holds no password).
_HOST = r"(?:[a-z0-9][\w.-]*|\[[0-9a-f:.]+(?:%[\w.~%-]+)?\])(?::\d+)?"
_HOST_AHEAD = rf"(?={_HOST}(?![\w@]))"
_CREDENTIALS_IN_TEXT = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/\n]*):"
    r"(?:(?P<pw>[^/?#\n]*)|(?!\d*[/?#])(?P<slashed>[^\n]*?))@" + _HOST_AHEAD,
    re.I,
)


# A host name or address (IPv6 with its zone too), a port (maybe empty), then the path, query,
# fragment or the end.
_HOST_THEN_PATH = re.compile(r"(?:[a-z0-9][\w.-]*|\[[0-9a-f:.]+(?:%[\w.~%-]+)?\])(?::\d*)?(?:[/?#]|$)", re.I)

SPILL = ("the user name or password in the url holds a / ? # or @ that is not percent-encoded, so the "
         "camera's address cannot be told apart from it: write / as %2F, ? as %3F, # as %23, @ as %40")


def address_of(url: str) -> str:
    """The camera's address as people may see it: scheme, host, port and path, without the user and
    password (everything up to the last @ of the url, wherever a stray / or @ in a password puts it)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else "(not a url)"


def credentials_spill(url: str) -> bool:
    """True when a / ? or # typed in the password ends the url's host part early: urllib and FFmpeg
    then take part of the password for the host or port. Told by its shape: user:password before the
    first / ? #, and a host after the last @ (an @ in a path or query, as some cameras take
    `password=` there, is followed by no host)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, after = rest.rpartition("@")
    if not sep or not at:
        return False
    head = re.split(r"[/?#]", credentials, maxsplit=1)
    if len(head) < 2 or ":" not in head[0] or _HOST_THEN_PATH.match(after) is None:
        return False
    # "rtsp://10.0.0.1:554/live@main": a host, a port and a path with an '@' in it, no password (as
    # mask_text reads it); a password of digits cut by a '/' has the camera's path after its '@'.
    return not (head[0].rpartition(":")[2].isdigit() and not re.search(r"[/?#]", after))


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***; the user name stays (it helps to diagnose)."""
    if credentials_spill(url):
        scheme, _, rest = url.partition("://")
        return f"{scheme}://{rest.partition(':')[0]}:***@{rest.rpartition('@')[2]}"
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
