"""Camera passwords never reach logs or screens, whatever they contain: '@', ':' and spaces included
(a password with '@' once leaked its end, one with a space was not masked at all). Property-based:
any user, password, host, port and path, alone (`mask_url`) or inside an FFmpeg-like message
(`mask_text`, what the log filter applies)."""

from __future__ import annotations

import logging
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from edge.redact import CredentialFilter, credentials_spill, mask_text, mask_url

# In a URL, '/', '?' and '#' in a password must be percent-encoded (for FFmpeg as for urllib), and
# urllib drops tabs and line breaks.
password_characters = st.characters(blacklist_characters="/?#\t\r\n", blacklist_categories=("Cs", "Cc"))
passwords = st.text(password_characters, min_size=1, max_size=30)
users = st.text(string.ascii_letters + string.digits + "._-@", min_size=1, max_size=12)  # e-mail too
hosts = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}(\.[a-z0-9-]{1,10}){0,2}", fullmatch=True),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.ip_addresses(v=6).map(lambda a: f"[{a}%25eth0]"),  # a link-local camera with its zone
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


# Typed without percent-encoding, a / ? or # ends the url's host part inside the password: urllib (and
# FFmpeg) then see a host and a port made of the password. Such a url is still shown without it.
spilling = st.tuples(passwords, st.sampled_from("/?#"), st.text(password_characters, max_size=10)).map(
    "".join)


@given(user=users, password=spilling, host=hosts, port=ports, path=paths)
@example(user="admin", password="Admin#2024", host="10.0.0.11", port=":554", path="/stream1")
@example(user="admin", password="1234#5", host="10.0.0.11", port="", path="/s")
@example(user="admin", password="Kyiv#2024/P@ss:1", host="cam.local", port=":554", path="/s")
def test_a_password_with_an_unencoded_slash_question_mark_or_hash_is_masked_whole(user, password, host, port,
                                                                                  path):
    url = f"rtsp://{user}:{password}@{host}{port}{path}"
    assert credentials_spill(url)
    assert mask_url(url) == f"rtsp://{user}:***@{host}{port}{path}"


def test_an_at_sign_in_a_query_is_no_password():
    """Some cameras take their credentials in the path or query (user=...&password=...)."""
    url = "rtsp://10.0.0.1:554/user=admin&password=p@ss&channel=1&stream=0.sdp"
    assert not credentials_spill(url)
    assert not credentials_spill("rtsp://admin:p@ss@10.0.0.1:554/stream1")


@given(user=users, password=passwords, host=hosts, port=ports, path=paths, before=free_text, after=free_text)
@example(user="admin", password="p@ss", host="10.0.0.1", port="", path="/s", before="", after=" retry @ 5 s")
@example(user="admin", password="pa ss", host="10.0.0.1", port="", path="/s", before="open '", after="': 401")
def test_a_url_inside_a_message_is_masked_whole(user, password, host, port, path, before, after):
    text = f"{before} rtsp://{user}:{password}@{host}{port}{path} {after}"
    assert mask_text(text) == f"{before} rtsp://{user}:***@{host}{port}{path} {after}"


@given(user=users, password=passwords, host=hosts, port=ports, before=free_text,
       punctuation=st.sampled_from(list(":!,;.)]'\" ")),
       after=st.text(string.ascii_letters + " :!", max_size=20))
@example(user="admin", password="p@ss", host="10.0.0.1", port=":554", before="", punctuation=":",
         after=" Connection refused")
def test_a_url_without_a_path_is_masked_whatever_follows_it(user, password, host, port, before, punctuation,
                                                           after):
    text = f"{before}rtsp://{user}:{password}@{host}{port}{punctuation}{after}"
    assert mask_text(text) == f"{before}rtsp://{user}:***@{host}{port}{punctuation}{after}"


def test_the_log_filter_masks_what_a_library_logs(caplog):
    logger = logging.getLogger("some.library")
    logger.addFilter(CredentialFilter())
    with caplog.at_level(logging.INFO, logger="some.library"):
        logger.info("could not open %s: %s", "rtsp://admin:my secret@pw@10.0.0.9:554/s1", "401 Unauthorized")
    assert "secret" not in caplog.text and "pw@" not in caplog.text
    assert "rtsp://admin:***@10.0.0.9:554/s1" in caplog.text


SECRET = "Secr3tPw"


@pytest.mark.parametrize("url", [
    "rtsp://user@example.com:Secr3tPw@10.0.0.1/s",  # an e-mail address as the camera's user name
    "rtsp://admin:Secr3tPw@[fe80::1%25eth0]:554/s",  # an IPv6 link-local camera with its zone
    "rtsp://admin:Secr3tPw@[fe80::1%eth0]/s",
])
def test_free_text_masks_what_mask_url_masks(url):
    assert SECRET not in mask_url(url)
    message = f"[Errno 1094995529] Invalid data found when processing input: '{url}'"
    assert SECRET not in mask_text(message), mask_text(message)
    assert mask_text(message) == message.replace(SECRET, "***")


@pytest.mark.parametrize("text", [
    "rtsp://admin:Secr3tPw@10.0.0.1:554: Connection refused",  # FFmpeg's "url: error" form
    "rtsp://admin:Secr3tPw@cam.local!",
    "rtsp://admin:Secr3tPw@cam.local:554!",
    "rtsp://admin:Secr3tPw@cam.local]",
])
def test_a_url_followed_by_punctuation_is_masked(text):
    assert mask_text(text) == text.replace(SECRET, "***")


@pytest.mark.parametrize(("url", "masked"), [
    ("rtsp://admin:Secr/3tPw@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),  # not percent-encoded
    ("rtsp://admin:Se/cr/3t@Pw@cam.local:554/live", "rtsp://admin:***@cam.local:554/live"),
    ("rtsp://admin:Secr?3tPw@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),
    ("rtsp://admin:Secr#3tPw@10.0.0.1/s", "rtsp://admin:***@10.0.0.1/s"),
])
def test_a_password_with_an_unencoded_slash_is_masked_whole(url, masked):
    """'/', '?' and '#' must be percent-encoded in a URL, but an installer pastes what the camera's
    page shows: urllib then sees no password at all, and none of it may leak."""
    assert mask_url(url) == masked
    assert mask_text(f"open '{url}': 401") == f"open '{masked}': 401"


def test_a_url_with_no_password_but_an_at_in_its_path_is_left_alone():
    for url in ("rtsp://10.0.0.1:554/live@main", "rtsp://cam.local/s?user=a@b"):
        assert mask_url(url) == url and mask_text(url) == url
