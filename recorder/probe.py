"""`dozor probe`: what a camera really sends, whether Dozor can record it, and what to fix when not.

The installer on the ladder needs facts from the stream itself, not from the camera's web page: codec,
picture size, frame rate, keyframe interval (GOP), bitrate and audio are measured on the packets of a
few seconds of a real RTSP session (recorder.rtsp_source, the recorder's own settings), and a snapshot
is decoded from the last keyframe. When the stream cannot be opened, the reason says what to fix;
when FFmpeg only says "invalid data", a bare RTSP request to the address tells a web server or some
other service on the wrong port from a camera. Nothing printed contains the password: addresses are
shown without their user and password (`address_of`), since a password typed with / or @ in it, not
percent-encoded, even changes where the url's host seems to start.
"""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from recorder.reasons import OutageReason, Reason
from recorder.rtsp_source import CameraUnreachable, RtspSource, StreamInfo, StreamLost

log = logging.getLogger(__name__)

RECORDABLE = {"h264": "H.264", "hevc": "H.265"}
MAX_GOP_SECONDS = 4.0  # longer: a reconnect waits that long for a picture, segments run long
ANSWER_TIMEOUT = 3.0


class ProbeFailed(Exception):
    """The stream could not be opened or read; `reason` says what to fix (never the password)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ProbeResult:
    url: str  # without user and password (address_of)
    codec: str  # FFmpeg's name: h264, hevc, mjpeg, ...
    width: int
    height: int
    fps: float | None  # measured from the packets' timestamps
    gop_seconds: float | None  # measured keyframe interval; None when only one keyframe came
    watched_seconds: float  # stream time the probe read
    bitrate_kbps: float
    audio: str | None  # the audio codec, None without audio
    snapshot: Path | None = None

    @property
    def codec_title(self) -> str:
        return RECORDABLE.get(self.codec, self.codec.upper())

    @property
    def recordable(self) -> bool:
        return self.codec in RECORDABLE

    def recording_problems(self) -> list[str]:
        """What stops or hurts recording, each with its fix."""
        out = []
        if not self.recordable:
            out.append(f"the camera sends {self.codec_title}; Dozor records H.264 or H.265 only: set the "
                       "camera's video codec (encoding) to H.264")
        if self.gop_seconds is not None and self.gop_seconds > MAX_GOP_SECONDS:
            out.append(f"keyframes every {self.gop_seconds:.0f} s: set the GOP (I-frame interval) to 2 s "
                       f"({2 * round(self.fps or 25)} frames); after a reconnect the picture waits for a "
                       "keyframe")
        elif self.gop_seconds is None and self.watched_seconds > MAX_GOP_SECONDS:
            out.append(f"no second keyframe in {self.watched_seconds:.0f} s: set the GOP (I-frame interval) "
                       f"to 2 s ({2 * round(self.fps or 25)} frames) and turn off 'smart codec' modes")
        return out


def probe(url: str, *, seconds: float = 4.0, max_seconds: float = 20.0, snapshot: Path | None = None,
          stall_seconds: float = 10.0) -> ProbeResult:
    """Open `url`, read at least `seconds` of stream and until a second keyframe (at most
    `max_seconds`), measure it; save a JPEG of the last keyframe to `snapshot`. ProbeFailed if not."""
    parts = urlsplit(url)
    if parts.scheme not in ("rtsp", "rtsps"):
        raise ProbeFailed(f"not an RTSP address ({parts.scheme or 'no'} scheme): cameras' streams start with "
                          "rtsp://")
    if not parts.hostname:
        raise ProbeFailed("the url has no camera address: rtsp://USER:PASSWORD@ADDRESS:554/path")
    if _credentials_spill(url):
        raise ProbeFailed(SPILL)
    with RtspSource(url, stall_seconds=stall_seconds) as source:
        try:
            info = source.open()
        except CameraUnreachable as exc:
            raise ProbeFailed(explain(url, exc.reason)) from None
        watch = StreamWatch(info)
        deadline = time.monotonic() + max_seconds + stall_seconds
        try:
            for packet in source.packets(audio=False):
                if watch.add(packet) and (watch.span >= max_seconds or (
                        watch.span >= seconds and len(watch.keyframes) >= 2)):
                    break
                if time.monotonic() > deadline:
                    break
        except StreamLost as exc:
            lost = exc.reason.english()
            raise ProbeFailed(f"the stream broke off after {watch.span:.1f} s: {lost}") from None
        if watch.packets < 2:
            raise ProbeFailed("the camera answered but sent no video")
        result = watch.result(address_of(url))
        if snapshot is not None and watch.last_keyframe is not None:
            result.snapshot = _save_snapshot(info, watch.last_keyframe, snapshot)
    return result


class StreamWatch:
    """Running figures of the video packets read so far."""

    def __init__(self, info: StreamInfo):
        self.info = info
        self.base = info.video.time_base
        self.packets = 0
        self.bytes = 0
        self.first: float | None = None
        self.last = 0.0
        self.keyframes: list[float] = []
        self.last_keyframe: bytes | None = None

    def add(self, packet) -> bool:
        """Count a packet; True for a video packet."""
        if packet.stream_index != self.info.video.index or not packet.size:
            return False
        moment = float((packet.dts if packet.dts is not None else packet.pts) * self.base)
        self.first = moment if self.first is None else self.first
        self.last = max(self.last, moment)
        self.packets += 1
        self.bytes += packet.size
        if packet.is_keyframe:
            self.keyframes.append(moment)
            self.last_keyframe = bytes(packet)
        return True

    @property
    def span(self) -> float:
        return self.last - self.first if self.first is not None else 0.0

    def result(self, masked_url: str) -> ProbeResult:
        span = self.span
        fps = (self.packets - 1) / span if span > 0 else None
        gaps = [b - a for a, b in zip(self.keyframes, self.keyframes[1:], strict=False)]
        gop = sorted(gaps)[len(gaps) // 2] if gaps else None
        # bytes of all frames but the last, over the time they cover
        kbps = self.bytes * 8 / 1000 / (span + (1 / fps if fps else 0)) if span > 0 else 0.0
        audio = self.info.audio.codec_context.name if self.info.audio is not None else None
        return ProbeResult(masked_url, self.info.codec, self.info.width, self.info.height,
                           round(fps, 2) if fps else None, round(gop, 2) if gop else None,
                           round(span, 2), round(kbps, 1), audio)


def _save_snapshot(info: StreamInfo, keyframe: bytes, path: Path) -> Path | None:
    import av
    import cv2

    decoder = av.CodecContext.create(info.codec, "r")
    extradata = info.picture.extradata if info.picture else info.video.codec_context.extradata
    if extradata:
        decoder.extradata = extradata
    try:
        frames = decoder.decode(av.Packet(keyframe)) + decoder.decode(None)
    except av.error.FFmpegError as exc:
        log.warning("could not decode a snapshot: %s", exc)
        return None
    if not frames:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), frames[0].to_ndarray(format="bgr24")):
        log.warning("could not write the snapshot to %s", path)
        return None
    return path


# The recorder's reason -> what to do about it at this address.
FIXES = {
    OutageReason.UNAUTHORIZED: (
        "the camera at {where} refused the user name or password: check them in the url "
        "(rtsp://USER:PASSWORD@host/path; a password with / @ : ? # must be percent-encoded)"),
    OutageReason.STREAM_NOT_FOUND: (
        "the camera at {where} answered but has no stream at {path}: check the path in the "
        "url (see the camera's manual; e.g. /Streaming/Channels/101 on Hikvision, "
        "/cam/realmonitor?channel=1&subtype=0 on Dahua)"),
    OutageReason.CONNECTION_REFUSED: (
        "nothing accepts connections on port {port} of {host}: check the port (RTSP is "
        "usually 554) and that RTSP is enabled on the camera"),
    OutageReason.TIMED_OUT: (
        "{where} does not answer: check the address, the network (cable, VLAN) and any firewall "
        "between Dozor and the camera"),
    OutageReason.FORBIDDEN: (
        "the camera at {where} forbids this user the stream: give the user the right to live video"),
}


def address_of(url: str) -> str:
    """The camera's address as people may see it: scheme, host, port and path, without the user and
    password (everything up to the last @ of the url, wherever a stray / or @ in a password puts it)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else "(not a url)"


SPILL = ("the user name or password in the url holds a / ? # or @ that is not percent-encoded, so the "
         "camera's address cannot be told apart from it: write / as %2F, ? as %3F, # as %23, @ as %40")


def _credentials_spill(url: str) -> bool:
    """A / ? or # in a password ends the url's host part early, so the host a client sees is not the
    camera's (the text after the last @). An @ in a path without user:password before it is no spill."""
    credentials = url.partition("://")[2].rpartition("@")[0]
    if ":" not in credentials.split("/")[0]:
        return False
    try:
        return urlsplit(url).hostname != urlsplit(address_of(url)).hostname
    except ValueError:
        return True


def explain(url: str, reason: Reason) -> str:
    """The recorder's reason, with what to do about it at this address."""
    if _credentials_spill(url):
        return SPILL
    parts = urlsplit(address_of(url))
    host = parts.hostname or "?"
    try:
        port = parts.port if parts.port is not None else (322 if parts.scheme == "rtsps" else 554)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        return "the port in the url is not a number from 1 to 65535"
    where = f"{host}:{port}"
    if not _resolves(host):
        return (f"the camera's address {host} cannot be found (a typo, or no name server on this network): "
                "check it, or use the camera's IP address")
    if reason.code in FIXES:
        return FIXES[reason.code].format(where=where, host=host, port=port, path=parts.path or "/")
    if reason.code == OutageReason.NO_RTSP_STREAM and parts.scheme == "rtsp":
        return _what_answers(parts.hostname or "", port) or f"{where}: {reason.english()}"
    return f"{where}: {reason.english()}"


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True


def _what_answers(host: str, port: int) -> str | None:
    """Ask the address a bare RTSP question, to say what kind of server is there."""
    try:
        with socket.create_connection((host, port), timeout=ANSWER_TIMEOUT) as sock:
            sock.settimeout(ANSWER_TIMEOUT)
            sock.sendall(f"OPTIONS rtsp://{host}:{port}/ RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode())
            answer = sock.recv(64)
    except TimeoutError:
        return (f"something accepts connections on port {port} of {host} but does not answer RTSP: "
                "check the port (RTSP is usually 554)")
    except OSError:
        return None
    if answer.startswith(b"HTTP/") or answer.lstrip().startswith(b"<"):  # a status line, or bare HTML
        return (f"a web server (HTTP) answers on port {port} of {host}, not a camera's RTSP stream: use the "
                "camera's RTSP port (usually 554) and an rtsp:// url")
    if not answer.startswith(b"RTSP/"):
        return (f"the server on port {port} of {host} does not speak RTSP: check the port (RTSP is "
                "usually 554)")
    return None
