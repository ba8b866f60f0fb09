"""One segment file: stream-copied packets into a fragmented MP4 that stays playable after a crash.

Fragmented MP4 (`frag_keyframe+empty_moov+default_base_moof`) writes the track headers first and then
self-contained fragments, so a file cut off by kill -9 or a power cut is playable up to its last complete
fragment (start-up recovery trims the rest). `frag_duration` closes a fragment every second even with
long GOPs, and `flush_packets` pushes each fragment to the file at once: a crash loses about a second.
Timestamps are rebased so every segment starts at 0; H.265 gets the `hvc1` tag browsers need; audio is
copied only when it is AAC (MP4 in browsers plays nothing else that cameras send). A stream whose
picture size and SPS/PPS came from its first keyframe rather than the SDP (`StreamInfo.picture`) gets
them into the track header here: the header is written before any packet (`empty_moov`).
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import av

from recorder.rtsp_source import Picture

log = logging.getLogger(__name__)

MUX_OPTIONS = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "frag_duration": "1000000",  # microseconds
    "flush_packets": "1",
}
KEPT_AUDIO = "aac"


class TimestampJump(Exception):
    """Video timestamps went backwards or leapt ahead; the recorder ends the segment and re-anchors time."""


class SegmentWriter:
    """Write packets of one connection's streams into `path`; the first packet must be a video keyframe."""

    def __init__(
        self,
        path: Path,
        video: av.video.stream.VideoStream,
        audio: av.audio.stream.AudioStream | None = None,
        *,
        picture: Picture | None = None,
        max_gap_seconds: float = 10.0,
    ):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = av.open(str(path), "w", format="mp4", options=MUX_OPTIONS)
        self._video = self._out.add_stream_from_template(video)
        if picture is not None:  # applied to the track when the header is written (first packet)
            ctx = self._video.codec_context
            ctx.width, ctx.height, ctx.extradata = picture.width, picture.height, picture.extradata
        if video.codec_context.name == "hevc":
            self._video.codec_tag = "hvc1"
        self._video_tb = video.time_base
        self._video_index = video.index
        self._audio = None
        if audio is not None and audio.codec_context.name == KEPT_AUDIO:
            self._audio = self._out.add_stream_from_template(audio)
            self._audio_tb = audio.time_base
        self._base: int | None = None  # first video dts, in video ticks
        self._audio_base = 0
        self._last_dts = -1
        self._max_gap = int(max_gap_seconds / self._video_tb)
        self._mux = self._out.mux_one
        self.closed = False

    @property
    def audio_codec(self) -> str | None:
        return KEPT_AUDIO if self._audio is not None else None

    def write_video(self, packet: av.Packet) -> None:
        """Copy one video packet; raises TimestampJump, or OSError (ENOSPC!) from the file system."""
        dts = packet.dts
        if dts is None:  # some cameras leave it out when it equals pts (no B-frames)
            dts = packet.pts
        base = self._base
        if base is None:
            base = self._base = dts
            if self._audio is not None:
                self._audio_base = round(dts * self._video_tb / self._audio_tb)
        rebased = dts - base
        if not 0 < rebased - self._last_dts <= self._max_gap:
            raise TimestampJump(f"video time went from {self._last_dts} to {rebased} ticks")
        self._last_dts = rebased
        packet.dts = rebased
        packet.pts -= base
        packet.stream = self._video
        self._mux(packet)

    def write_audio(self, packet: av.Packet) -> None:
        """Copy one audio packet if audio is kept; audio from before the first keyframe is left out."""
        if self._audio is None or self._base is None:
            return
        pts = packet.pts - self._audio_base
        if pts < 0:
            return
        dts = packet.dts
        packet.pts = pts
        packet.dts = pts if dts is None else dts - self._audio_base
        packet.stream = self._audio
        self._mux(packet)

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def close(self) -> None:
        """Finish the file (trailer). Errors are raised; the file is released either way. A packet
        written after this raises OSError: FFmpeg would mux it into freed streams and crash the process."""
        if not self.closed:
            self.closed = True
            self._mux = _refuse_packet
            self._out.close()


def _refuse_packet(_packet: av.Packet) -> None:
    raise OSError(errno.EBADF, "segment file already closed")
