"""One RTSP connection to a camera, read with PyAV: open, iterate packets, close.

Usable on its own: the recorder reads the main stream with it, and plate reading opens a second,
tap-only connection to a camera's `lpr_url` with it. Settings and why:
- TCP (`rtsp_transport=tcp`): no lost UDP packets, so no smeared frames in the recording.
- FFmpeg's socket `timeout` (stall_seconds in all): a camera that stops sending turns into an error
  instead of a read that hangs forever. (PyAV's own timeout is not used: its callback takes the GIL
  on every read.)
- `fpsprobesize=0`: stream parameters come from the SDP, so opening takes ~0.3 s instead of ~1.1 s;
  `analyzeduration` stays a generous upper bound for cameras that only send them in-band.
- A server that goes away simply ends the demux loop (no exception): that is a disconnect.
- The first packet of a session has no timestamp: it is given the next packet's minus one frame.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

from edge.redact import mask_text, mask_url

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

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class StreamLost(Exception):
    """A stream that was playing broke off (stall, network error); the recorder reconnects."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StreamInfo:
    video: av.video.stream.VideoStream
    audio: av.audio.stream.AudioStream | None  # the first audio track, whatever its codec

    @property
    def codec(self) -> str:
        return self.video.codec_context.name

    @property
    def width(self) -> int:
        return self.video.codec_context.width

    @property
    def height(self) -> int:
        return self.video.codec_context.height

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
            raise CameraUnreachable("the stream has no video track")
        audios = self.container.streams.audio
        self.info = StreamInfo(video=videos[0], audio=audios[0] if audios else None)
        log.debug("opened %s: %s %dx%d", mask_url(self.url), self.info.codec, self.info.width,
                  self.info.height)
        return self.info

    def packets(self, *, audio: bool = True) -> Iterator[av.Packet]:
        """Video (and audio) packets with timestamps, until the camera disconnects (then it just ends).

        Raises StreamLost on a stall or network error.
        """
        assert self.container is not None and self.info is not None, "open() first"
        streams = [self.info.video] + ([self.info.audio] if audio and self.info.audio else [])
        video_index = self.info.video.index
        frame_ticks = int(self.info.frame_seconds / self.info.video.time_base)
        demux = self.container.demux(streams)
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


def describe_error(exc: BaseException) -> str:
    """A short reason for people, without the URL (FFmpeg quotes it, password included)."""
    if isinstance(exc, av.error.HTTPUnauthorizedError):
        return "unauthorized: check the user and password in the camera's url"
    if isinstance(exc, av.error.HTTPForbiddenError):
        return "forbidden by the camera"
    if isinstance(exc, av.error.HTTPNotFoundError):
        return "stream not found on the camera (check the path in the url)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    if isinstance(exc, av.error.InvalidDataError):
        return "no usable RTSP stream (no answer, or not a camera stream)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    text = str(exc).split(":")[0].strip() or type(exc).__name__
    return mask_text(text).lower()


def seconds(ticks: int, time_base: Fraction) -> float:
    return float(ticks * time_base)
