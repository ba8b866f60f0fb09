"""Why a camera is not being recorded: outage and status reasons as codes, stored as codes.

The catalog keeps a reason as its code, with a detail after a colon where one belongs to it
(`no_video:10`, `codec:mjpeg`), so the web UI translates it by code (webui/reasons.py has a Ukrainian
text for every code, and a test checks that) and the CLI and the journal show `english()`, the
technicians' wording. Catalogs written before the codes hold the English sentences; `Reason.parse`
reads those too, so old outages still show in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class OutageReason(StrEnum):
    STARTING = "starting"
    RECORDER_STOPPED = "recorder_stopped"
    RECORDER_NOT_RUNNING = "recorder_not_running"
    NO_STATUS = "no_status"  # never reported since the daemon started (shown, not stored)
    DISABLED = "disabled"  # `enabled = false` in the config (shown, not stored)
    CONNECTION_CLOSED = "connection_closed"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    STREAM_NOT_FOUND = "stream_not_found"
    CONNECTION_REFUSED = "connection_refused"
    TIMED_OUT = "timed_out"
    NO_ROUTE = "no_route"
    NETWORK_UNREACHABLE = "network_unreachable"
    CONNECTION_RESET = "connection_reset"
    NO_RTSP_STREAM = "no_rtsp_stream"
    NO_VIDEO_TRACK = "no_video_track"
    NO_PICTURE_SIZE = "no_picture_size"
    NO_VIDEO = "no_video"  # detail: seconds without a video packet
    CODEC = "codec"  # detail: the codec that cannot be recorded
    NETWORK_ERROR = "network_error"  # detail: the operating system's own words
    STREAM_ERROR = "stream_error"  # detail: FFmpeg's words (password masked)
    INTERNAL_ERROR = "internal_error"  # detail: the exception's type
    OTHER = "other"  # detail: a text this Dozor does not know (shown as written)


ENGLISH = {
    OutageReason.STARTING: "starting",
    OutageReason.RECORDER_STOPPED: "recorder stopped",
    OutageReason.RECORDER_NOT_RUNNING: "the recorder is not running",
    OutageReason.NO_STATUS: "no status yet (is the daemon running?)",
    OutageReason.DISABLED: "disabled in the config",
    OutageReason.CONNECTION_CLOSED: "the camera closed the connection",
    OutageReason.UNAUTHORIZED: "unauthorized: check the user and password in the camera's url",
    OutageReason.FORBIDDEN: "forbidden by the camera",
    OutageReason.STREAM_NOT_FOUND: "stream not found on the camera (check the path in the url)",
    OutageReason.CONNECTION_REFUSED: "connection refused",
    OutageReason.TIMED_OUT: "no answer (timed out)",
    OutageReason.NO_ROUTE: "no route to host",
    OutageReason.NETWORK_UNREACHABLE: "network is unreachable",
    OutageReason.CONNECTION_RESET: "connection reset by peer",
    OutageReason.NO_RTSP_STREAM: "no usable RTSP stream (no answer, or not a camera stream)",
    OutageReason.NO_VIDEO_TRACK: "the stream has no video track",
    OutageReason.NO_PICTURE_SIZE: "the camera sent no picture size (no SPS/PPS in its stream)",
    OutageReason.NO_VIDEO: "no video for {detail} s",
    OutageReason.CODEC: "video codec {detail} cannot be recorded (H.264 or H.265 needed)",
    OutageReason.NETWORK_ERROR: "{detail}",
    OutageReason.STREAM_ERROR: "{detail}",
    OutageReason.INTERNAL_ERROR: "internal error ({detail})",
    OutageReason.OTHER: "{detail}",
}
_CODES = {code.value for code in OutageReason}
# The English sentences earlier catalogs stored, and the variants some of them used.
_LEGACY = {text: code for code, text in ENGLISH.items() if "{" not in text}
_LEGACY |= {
    "recorder was not running": OutageReason.RECORDER_NOT_RUNNING,
    "recorder not running": OutageReason.RECORDER_NOT_RUNNING,
}
_LEGACY_PATTERNS = [
    (re.compile(r"no video for (?P<detail>\d+(?:\.\d+)?) s"), OutageReason.NO_VIDEO),
    (re.compile(r"video codec (?P<detail>[\w-]+) cannot be recorded \(H\.264 or H\.265 needed\)"),
     OutageReason.CODEC),
    (re.compile(r"internal error \((?P<detail>\w+)\)"), OutageReason.INTERNAL_ERROR),
]


@dataclass(frozen=True)
class Reason:
    code: OutageReason
    detail: str = ""

    def stored(self) -> str:
        """The catalog's form: the code, and `:detail` when there is one."""
        return f"{self.code.value}:{self.detail}" if self.detail else self.code.value

    def english(self) -> str:
        """The technicians' wording (CLI, journal)."""
        return ENGLISH[self.code].format(detail=self.detail)

    def __str__(self) -> str:
        return self.english()

    @classmethod
    def parse(cls, stored: str) -> Reason:
        """A reason as the catalog holds it: a code (with its detail), or an older catalog's English."""
        if stored in _LEGACY:
            return cls(_LEGACY[stored])
        code, _, detail = stored.partition(":")
        if code in _CODES:
            return cls(OutageReason(code), detail)
        for pattern, legacy_code in _LEGACY_PATTERNS:
            if found := pattern.fullmatch(stored):
                return cls(legacy_code, found["detail"])
        return cls(OutageReason.OTHER, stored)
