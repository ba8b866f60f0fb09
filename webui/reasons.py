"""Why a camera is offline, in the reader's language.

The recorder writes outage and status reasons in English (they also go to `dozor cameras`, the journal
and the catalog, which technicians read), from a small fixed set of phrases. The UI shows them to
volunteers and police in Ukrainian too, so each known phrase is translated here; a reason not in the
set (an operating-system error text, say) is shown as written rather than hidden.
"""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext

_EXACT = {
    "starting": lazy_gettext("starting"),
    "recorder not running": lazy_gettext("recording is not running"),
    "recorder stopped": lazy_gettext("recording stopped"),
    "the camera closed the connection": lazy_gettext("the camera closed the connection"),
    "unauthorized: check the user and password in the camera's url": lazy_gettext(
        "wrong user name or password for the camera"
    ),
    "forbidden by the camera": lazy_gettext("the camera refused access"),
    "stream not found on the camera (check the path in the url)": lazy_gettext(
        "no such stream on the camera (check the address)"
    ),
    "the camera sent no picture size (no SPS/PPS in its stream)": lazy_gettext(
        "the camera sent no picture size (it will be asked again)"
    ),
    "connection refused": lazy_gettext("connection refused"),
    "no answer (timed out)": lazy_gettext("no answer (timed out)"),
    "no route to host": lazy_gettext("no route to the camera"),
    "network is unreachable": lazy_gettext("network unreachable"),
    "connection reset by peer": lazy_gettext("the camera broke off the connection"),
    "no usable RTSP stream (no answer, or not a camera stream)": lazy_gettext(
        "no usable video stream from this address"
    ),
}
_NO_VIDEO = re.compile(r"no video for (?P<seconds>\d+(?:\.\d+)?) s")
_CODEC = re.compile(r"video codec (?P<codec>[\w-]+) cannot be recorded \(H\.264 or H\.265 needed\)")


def reason_text(reason: str | None) -> str:
    """The reason as the signed-in user should read it ("" stays "")."""
    if not reason:
        return ""
    known = _EXACT.get(reason)
    if known is not None:
        return str(known)
    if match := _NO_VIDEO.fullmatch(reason):
        return gettext("no video for %(seconds)s s", seconds=match["seconds"])
    if match := _CODEC.fullmatch(reason):
        return gettext("video format %(codec)s cannot be recorded (H.264 or H.265 needed)",
                       codec=match["codec"].upper())
    return reason
