"""Why a camera is offline, in the reader's language: one text per recorder.reasons.OutageReason.

The catalog stores reasons as codes; the CLI and the journal show the technicians' English
(`Reason.english()`), the UI shows these texts to volunteers and police in Ukrainian or English.
tests/test_web_i18n.py checks that every code has a text here and a Ukrainian translation. Details that
come from outside (the operating system's or FFmpeg's words) are shown as written inside the text.
"""

from __future__ import annotations

from flask_babel import LazyString, lazy_gettext

from recorder.reasons import OutageReason, Reason

TEXTS: dict[OutageReason, LazyString] = {
    OutageReason.STARTING: lazy_gettext("starting"),
    OutageReason.RECORDER_STOPPED: lazy_gettext("recording stopped"),
    OutageReason.RECORDER_NOT_RUNNING: lazy_gettext("recording is not running"),
    OutageReason.NO_STATUS: lazy_gettext("no report from the recorder yet"),
    OutageReason.DISABLED: lazy_gettext("turned off in the settings"),
    OutageReason.CONNECTION_CLOSED: lazy_gettext("the camera closed the connection"),
    OutageReason.UNAUTHORIZED: lazy_gettext("wrong user name or password for the camera"),
    OutageReason.FORBIDDEN: lazy_gettext("the camera refused access"),
    OutageReason.STREAM_NOT_FOUND: lazy_gettext("no such stream on the camera (check the address)"),
    OutageReason.CONNECTION_REFUSED: lazy_gettext("connection refused"),
    OutageReason.TIMED_OUT: lazy_gettext("no answer (timed out)"),
    OutageReason.NO_ROUTE: lazy_gettext("no route to the camera"),
    OutageReason.NETWORK_UNREACHABLE: lazy_gettext("network unreachable"),
    OutageReason.CONNECTION_RESET: lazy_gettext("the camera broke off the connection"),
    OutageReason.NO_RTSP_STREAM: lazy_gettext("no usable video stream from this address"),
    OutageReason.NO_VIDEO_TRACK: lazy_gettext("the camera's stream has no video"),
    OutageReason.NO_PICTURE_SIZE: lazy_gettext("the camera sent no picture size (it will be asked again)"),
    OutageReason.NO_VIDEO: lazy_gettext("no video for %(detail)s s"),
    OutageReason.CODEC: lazy_gettext("video format %(detail)s cannot be recorded (H.264 or H.265 needed)"),
    OutageReason.NETWORK_ERROR: lazy_gettext("network error: %(detail)s"),
    OutageReason.STREAM_ERROR: lazy_gettext("the stream failed: %(detail)s"),
    OutageReason.INTERNAL_ERROR: lazy_gettext("internal error (%(detail)s); recording is retried"),
    OutageReason.OTHER: lazy_gettext("%(detail)s"),
}


def reason_text(reason: Reason | None) -> str:
    """The reason as the signed-in user should read it (None: "")."""
    if reason is None:
        return ""
    detail = reason.detail.upper() if reason.code == OutageReason.CODEC else reason.detail
    text = str(TEXTS[reason.code])
    return text % {"detail": detail} if "%(detail)s" in text else text
