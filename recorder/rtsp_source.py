"""One RTSP connection to a camera, read with PyAV: open, iterate packets, close.

Usable on its own: the recorder reads the main stream with it, and plate reading opens a second,
tap-only connection to a camera's `lpr_url` with it. Settings and why:
- TCP (`rtsp_transport=tcp`): no lost UDP packets, so no smeared frames in the recording.
- FFmpeg's socket `timeout` (stall_seconds in all): a camera that stops sending turns into an error
  instead of a read that hangs forever. (PyAV's own timeout is not used: its callback takes the GIL
  on every read.)
- `fpsprobesize=0`: stream parameters come from the SDP, so opening takes ~0.3 s instead of ~1.1 s;
  `analyzeduration` (5 s of stream) and `probesize` stay generous upper bounds for cameras that only
  send their SPS/PPS in-band, with their keyframes.
- No picture size after probing (no sprop-parameter-sets in the SDP and no keyframe within
  `analyzeduration`: a long GOP, 'smart codecs'): `open()` does not give up but reads on to the first
  keyframe, decodes that one frame for the size and keeps its SPS/PPS (VPS) for the segments' headers
  (`StreamInfo.picture`); the keyframe is then the first packet `packets()` yields. A stream with no
  such keyframe within `stall_seconds` is refused ("no picture size"); one that sends nothing at all
  (PLAY answered, then silence: probing ends on the socket timeout) fails with that read's reason.
- A server that goes away simply ends the demux loop (no exception): that is a disconnect.
- The first packet of a session has no timestamp: it is given the next packet's minus one frame.
"""

from __future__ import annotations

import errno
import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

from edge.redact import mask_text, mask_url
from recorder.reasons import OutageReason, Reason

log = logging.getLogger(__name__)

OPEN_OPTIONS = {
    "rtsp_transport": "tcp",
    "fpsprobesize": "0",
    "analyzeduration": "5000000",
    "probesize": "1000000",
}


class CameraUnreachable(Exception):
    """Opening the camera's stream failed; the camera recorder records an outage and retries with backoff.

    `reason` is short, for people (shown in `dozor cameras` and the UI), and never contains a password.
    """

    def __init__(self, reason: Reason):
        super().__init__(reason.english())
        self.reason = reason


class StreamLost(Exception):
    """A stream that was playing broke off (stall, network error); the recorder reconnects."""

    def __init__(self, reason: Reason):
        super().__init__(reason.english())
        self.reason = reason


# NAL unit types of the parameter sets: H.264 SPS, PPS; H.265 VPS, SPS, PPS (in this order in headers).
PARAMETER_SETS = {"h264": (7, 8), "hevc": (32, 33, 34)}


@dataclass(frozen=True)
class Picture:
    """What the SDP and probing did not give, learned from the stream's first keyframe."""

    width: int
    height: int
    extradata: bytes  # the parameter sets, Annex B (the MP4 muxer turns them into avcC/hvcC)


@dataclass(frozen=True)
class StreamInfo:
    video: av.video.stream.VideoStream
    audio: av.audio.stream.AudioStream | None  # the first audio track, whatever its codec
    picture: Picture | None = None  # set when the size came from the first keyframe, not from probing

    @property
    def codec(self) -> str:
        return self.video.codec_context.name

    @property
    def width(self) -> int:
        return self.picture.width if self.picture else self.video.codec_context.width

    @property
    def height(self) -> int:
        return self.picture.height if self.picture else self.video.codec_context.height

    @property
    def frame_seconds(self) -> float:
        """Duration of one frame, from the announced frame rate (1/25 s when unknown)."""
        rate = self.video.average_rate or self.video.guessed_rate
        return float(1 / rate) if rate else 0.04


class RtspSource:
    """Open with `open()`, read with `packets()`; a context manager that always closes the connection."""

    def __init__(self, url: str, *, stall_seconds: float = 10.0):
        self.url = url
        self.stall_seconds = stall_seconds
        self.container: av.container.InputContainer | None = None
        self.info: StreamInfo | None = None
        self._early: list[av.Packet] = []  # read by open() (the first keyframe); packets() yields it first

    def __enter__(self) -> RtspSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> StreamInfo:
        # FFmpeg gives up on an RTSP read after twice its socket timeout (measured), hence the half.
        options = {**OPEN_OPTIONS, "timeout": str(int(self.stall_seconds / 2 * 1_000_000))}
        try:
            self.container = av.open(self.url, options=options)
        except Exception as exc:  # noqa: BLE001 - every failure to open is an unreachable camera
            raise CameraUnreachable(describe_error(exc)) from None
        videos = self.container.streams.video
        if not videos:
            self.close()
            raise CameraUnreachable(Reason(OutageReason.NO_VIDEO_TRACK))
        audios = self.container.streams.audio
        video, audio = videos[0], audios[0] if audios else None
        picture = None
        ctx = video.codec_context
        if not (ctx.width and ctx.height) and ctx.name in PARAMETER_SETS:
            began = time.monotonic()
            try:
                picture = self._picture_from_first_keyframe(video)
            except CameraUnreachable:
                self.close()
                raise
            log.info("%s: no picture size from the SDP or probing; %dx%d from the first keyframe, "
                     "%.1f s later", mask_url(self.url), picture.width, picture.height,
                     time.monotonic() - began)
        self.info = StreamInfo(video=video, audio=audio, picture=picture)
        log.debug("opened %s: %s %dx%d%s", mask_url(self.url), self.info.codec, self.info.width,
                  self.info.height, " (size from the first keyframe)" if picture else "")
        return self.info

    def _picture_from_first_keyframe(self, video: av.video.stream.VideoStream) -> Picture:
        """Read video up to a keyframe that decodes (it is kept for packets()); at most stall_seconds."""
        assert self.container is not None
        codec = video.codec_context.name
        deadline = time.monotonic() + self.stall_seconds
        sets: dict[int, bytes] = {}  # the latest parameter set of each type, from any packet so far
        got_video = False
        try:
            for packet in self.container.demux(video):
                if not packet.size:
                    continue
                got_video = True
                data = bytes(packet)
                found = parameter_sets(codec, data)
                if found.keys() >= {PARAMETER_SETS[codec][-2]}:  # a full set (with an SPS): use it alone
                    sets = found
                else:
                    sets.update(found)
                if packet.is_keyframe:
                    extradata = b"".join(b"\x00\x00\x00\x01" + sets[t] for t in PARAMETER_SETS[codec]
                                         if t in sets)
                    size = decoded_size(codec, extradata, data)
                    if size is not None:
                        self._early = [packet]
                        return Picture(*size, extradata)
                if time.monotonic() > deadline:
                    break
        except (av.error.FFmpegError, OSError) as exc:
            raise CameraUnreachable(describe_error(exc)) from None
        if not got_video:
            raise CameraUnreachable(Reason(OutageReason.NO_VIDEO, f"{self.stall_seconds:g}"))
        raise CameraUnreachable(Reason(OutageReason.NO_PICTURE_SIZE))

    def packets(self, *, audio: bool = True) -> Iterator[av.Packet]:
        """Video (and audio) packets with timestamps, until the camera disconnects (then it just ends).

        Raises StreamLost on a stall or network error.
        """
        assert self.container is not None and self.info is not None, "open() first"
        streams = [self.info.video] + ([self.info.audio] if audio and self.info.audio else [])
        video_index = self.info.video.index
        frame_ticks = int(self.info.frame_seconds / self.info.video.time_base)
        early, self._early = self._early, []
        demux = self.container.demux(streams)
        if early:
            demux = itertools.chain(early, demux)
        pending: av.Packet | None = None
        try:
            for packet in demux:  # until the first video packet with a timestamp
                if packet.pts is None:
                    if packet.stream_index == video_index and pending is None and packet.size:
                        pending = packet
                    continue
                if packet.stream_index != video_index:
                    yield packet
                    continue
                if pending is not None:
                    pending.pts = pending.dts = max(0, (packet.dts if packet.dts is not None else packet.pts)
                                                    - frame_ticks)
                    yield pending
                yield packet
                break
            for packet in demux:  # the steady state (PyAV's flush packets at the end have no pts)
                if packet.pts is not None:
                    yield packet
        except (av.error.FFmpegError, OSError) as exc:
            raise StreamLost(describe_error(exc)) from None

    def close(self) -> None:
        if self.container is not None:
            try:
                self.container.close()
            except Exception as exc:  # noqa: BLE001 - closing a broken connection may fail; nothing to do
                log.debug("closing %s: %s", mask_url(self.url), mask_text(str(exc)))
            self.container = None


def parameter_sets(codec: str, data: bytes) -> dict[int, bytes]:
    """The parameter-set NAL units (type -> unit, without start code) in Annex B `data`."""
    types = PARAMETER_SETS[codec]
    found: dict[int, bytes] = {}
    start = data.find(b"\x00\x00\x01")
    while start >= 0:
        begin = start + 3
        start = data.find(b"\x00\x00\x01", begin)
        end = len(data) if start < 0 else start
        if begin >= end:
            continue
        kind = data[begin] & 0x1F if codec == "h264" else (data[begin] >> 1) & 0x3F
        if kind in types:
            while end > begin and data[end - 1] == 0:  # the 4-byte start code's leading zero, padding
                end -= 1
            found[kind] = data[begin:end]
    return found


def decoded_size(codec: str, extradata: bytes, data: bytes) -> tuple[int, int] | None:
    """(width, height) of the picture in one keyframe, or None when it does not decode."""
    decoder = av.CodecContext.create(codec, "r")
    if extradata:
        decoder.extradata = extradata
    decoder.thread_count = 1
    try:
        frames = decoder.decode(av.Packet(data)) + decoder.decode(None)
    except av.error.FFmpegError:
        return None
    for frame in frames:
        if frame.width and frame.height:
            return frame.width, frame.height
    return None


_HTTP_ERRORS = {
    av.error.HTTPUnauthorizedError: OutageReason.UNAUTHORIZED,
    av.error.HTTPForbiddenError: OutageReason.FORBIDDEN,
    av.error.HTTPNotFoundError: OutageReason.STREAM_NOT_FOUND,
    ConnectionRefusedError: OutageReason.CONNECTION_REFUSED,
    TimeoutError: OutageReason.TIMED_OUT,
    av.error.InvalidDataError: OutageReason.NO_RTSP_STREAM,
}
_OS_ERRORS = {
    errno.EHOSTUNREACH: OutageReason.NO_ROUTE,
    errno.ENETUNREACH: OutageReason.NETWORK_UNREACHABLE,
    errno.ECONNRESET: OutageReason.CONNECTION_RESET,
}


def describe_error(exc: BaseException) -> Reason:
    """Why opening or reading failed, without the URL (FFmpeg quotes it, password included)."""
    for kind, code in _HTTP_ERRORS.items():
        if isinstance(exc, kind):
            return Reason(code)
    if isinstance(exc, OSError) and exc.errno in _OS_ERRORS:
        return Reason(_OS_ERRORS[exc.errno])
    if isinstance(exc, OSError) and exc.strerror:
        return Reason(OutageReason.NETWORK_ERROR, exc.strerror[0].lower() + exc.strerror[1:])
    text = str(exc).split(":")[0].strip() or type(exc).__name__
    return Reason(OutageReason.STREAM_ERROR, mask_text(text).lower())


def seconds(ticks: int, time_base: Fraction) -> float:
    return float(ticks * time_base)
