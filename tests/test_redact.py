"""Camera passwords never reach logs or screens, whatever they contain: '@', ':' and spaces included
(a password with '@' once leaked its end, one with a space was not masked at all). Property-based:
any user, password, host, port and path, alone (`mask_url`) or inside an FFmpeg-like message
(`mask_text`, what the log filter applies)."""

from __future__ import annotations

import logging
import string

from hypothesis import example, given
from hypothesis import strategies as st

from edge.redact import CredentialFilter, mask_text, mask_url

# In a URL, '/', '?' and '#' in a password must be percent-encoded (for FFmpeg as for urllib), and
# urllib drops tabs and line breaks.
password_characters = st.characters(blacklist_characters="/?#\t\r\n", blacklist_categories=("Cs", "Cc"))
passwords = st.text(password_characters, min_size=1, max_size=30)
users = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=12)
hosts = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}(\.[a-z0-9-]{1,10}){0,2}", fullmatch=True),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
ports = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
paths = st.from_regex(r"/[A-Za-z0-9_./-]{0,20}", fullmatch=True)
free_text = st.text(string.ascii_letters + string.digits + " ,.:'@()-", max_size=30)


@given(user=users, password=passwords, host=hosts, port=ports, path=paths)
@example(user="admin", password="p@ss", host="10.0.0.1", port="", path="/stream")
@example(user="admin", password="pa ss", host="10.0.0.1", port=":554", path="/s")
@example(user="admin", password="a@b c:d@", host="cam.local", port="", path="/")
def test_a_url_shows_its_user_and_host_but_never_its_password(user, password, host, port, path):
    url = f"rtsp://{user}:{password}@{host}{port}{path}"
    assert mask_url(url) == f"rtsp://{user}:***@{host}{port}{path}"


@given(user=users, password=passwords, host=hosts, port=ports, path=paths, before=free_text, after=free_text)
@example(user="admin", password="p@ss", host="10.0.0.1", port="", path="/s", before="", after=" retry @ 5 s")
@example(user="admin", password="pa ss", host="10.0.0.1", port="", path="/s", before="open '", after="': 401")
def test_a_url_inside_a_message_is_masked_whole(user, password, host, port, path, before, after):
    text = f"{before} rtsp://{user}:{password}@{host}{port}{path} {after}"
    assert mask_text(text) == f"{before} rtsp://{user}:***@{host}{port}{path} {after}"


def test_the_log_filter_masks_what_a_library_logs(caplog):
    logger = logging.getLogger("some.library")
    logger.addFilter(CredentialFilter())
    with caplog.at_level(logging.INFO, logger="some.library"):
        logger.info("could not open %s: %s", "rtsp://admin:my secret@pw@10.0.0.9:554/s1", "401 Unauthorized")
    assert "secret" not in caplog.text and "pw@" not in caplog.text
    assert "rtsp://admin:***@10.0.0.9:554/s1" in caplog.text
