"""Encoding clips that an RTSP server can serve like a camera (PyAV, H.264/H.265, optional audio).

The x264/x265 settings are the ones RTSP needs: no B-frames, parameter sets repeated before every
keyframe, one slice per frame (`sliced-threads=0` with frame threading), and a keyframe exactly every
`gop_seconds`, so the recorder can cut segments at predictable places. Used by `dozor demo` for its
simulated camera, and by the tests and benches for theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

VIDEO_CODECS = {"h264": "libx264", "h265": "libx265"}
AUDIO_CODECS = {"aac": ("aac", 16000), "pcmu": ("pcm_mulaw", 8000), "opus": ("libopus", 48000)}


def encode_frames(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    fps: int = 25,
    codec: str = "h264",
    gop_seconds: float = 2.0,
    bitrate: int | None = None,
    audio: str | None = None,
) -> Path:
    """Encode BGR frames (H x W x 3 uint8) into `path` (.mp4, or .mkv when it carries PCMU audio)."""
    iterator = iter(frames)
    first = next(iterator)
    height, width = first.shape[:2]
    keyint = max(1, round(fps * gop_seconds))
    with av.open(str(path), "w") as out:
        video = out.add_stream(VIDEO_CODECS[codec], rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.thread_type = "FRAME"
        if bitrate:
            video.bit_rate = bitrate
        common = f"bframes=0:repeat-headers=1:keyint={keyint}:min-keyint={keyint}:scenecut=0"
        if codec == "h264":
            video.options = {"preset": "veryfast", "x264-params": f"sliced-threads=0:{common}"}
        else:
            video.options = {"preset": "ultrafast", "x265-params": f"{common}:log-level=error"}
        if codec == "h265":
            video.codec_tag = "hvc1"
        tone = _Tone(out, audio) if audio else None
        for count, image in enumerate(_chain(first, iterator), start=1):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts = count - 1
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
            if tone is not None:
                tone.encode_until(count / fps)
        out.mux(video.encode(None))
        if tone is not None:
            tone.finish()
    return path


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


class _Tone:
    """A 440 Hz tone encoded alongside the video, in the encoder's own frame size (interleaved file)."""

    def __init__(self, out: av.container.OutputContainer, kind: str):
        codec, rate = AUDIO_CODECS[kind]
        self.out = out
        self.stream = out.add_stream(codec, rate=rate)
        self.stream.layout = "mono"
        self.rate = rate
        self.next_sample = 0

    def encode_until(self, seconds: float) -> None:
        ctx = self.stream.codec_context
        size = ctx.frame_size or 1024
        fmt = ctx.format.name
        while self.next_sample + size <= seconds * self.rate:
            start = self.next_sample
            t = (np.arange(start, start + size) / self.rate).astype(np.float32)
            samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            if fmt.startswith("s16"):
                samples = (samples * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(samples[None, :], format=fmt, layout="mono")
            frame.sample_rate = self.rate
            frame.pts = start
            frame.time_base = Fraction(1, self.rate)
            self.out.mux(self.stream.encode(frame))
            self.next_sample += size

    def finish(self) -> None:
        self.out.mux(self.stream.encode(None))
