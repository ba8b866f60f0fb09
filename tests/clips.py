"""Test clips for the RTSP test server, encoded with PyAV (never committed; cached per test session).

The encoder (and its RTSP-safe settings) is dozor/demo/clip.py's `encode_frames`, re-exported here for
the plate tests' drive-by clips. Content moves and carries noise so that consecutive frames differ
(decoders, motion gates) and the bitrate is realistic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from dozor.demo.clip import encode_frames

__all__ = ["encode_frames", "synthetic_clip"]


def synthetic_clip(
    path: Path,
    *,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    seconds: float = 6.0,
    codec: str = "h264",
    bitrate: int | None = None,
    audio: str | None = None,
    gop_seconds: float = 2.0,
) -> Path:
    """A clip of moving blocks over a noisy gradient; at 1280x720 and bitrate=2_000_000, a typical camera."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("tmp-" + path.name)
    encode_frames(
        tmp, _moving_frames(width, height, round(fps * seconds)),
        fps=fps, codec=codec, bitrate=bitrate, audio=audio, gop_seconds=gop_seconds,
    )
    tmp.replace(path)
    return path


def _moving_frames(width: int, height: int, count: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(7)
    ramp = np.linspace(40, 200, width, dtype=np.float32)
    base = np.repeat(np.repeat(ramp[None, :, None], height, axis=0), 3, axis=2).astype(np.uint8)
    noise = rng.integers(0, 24, size=(8, height, width, 3), dtype=np.uint8)
    box_w, box_h = max(8, width // 6), max(8, height // 5)
    for i in range(count):
        image = base + noise[i % len(noise)]
        x = (i * 7) % (width - box_w)
        y = (i * 3) % (height - box_h)
        image[y:y + box_h, x:x + box_w] = ((i * 5) % 255, 255 - (i * 3) % 255, 128)
        image[:8, : (i % (width // 8)) * 8] = 255  # a progress bar: every frame differs
        yield image
