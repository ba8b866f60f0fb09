"""The motion gate: skip the plate models on frames where nothing moves, and say how much moved.

A cheap test (well under a millisecond) on a small blurred copy of the frame's brightness (the
decoder's luma plane, no colour conversion): pixels that differ from the previously looked-at frame by
more than a noise margin are counted inside the camera's mask polygon; the frame is "moving" when their
share reaches the camera's `motion.threshold`. The previous frame (not a slow running average) is the
reference because at 5 frames/s a passing car moves many pixels per frame, and the scene is "still"
again as soon as it has gone, with no ghost to fade. After motion a few more frames are let through (a
car slowing down at the edge of the picture still gets read).

A moving frame's score is the share of the picture that differs from the last still frame (the empty
road): the bigger the car in view, the higher, which is how plate reading picks the frame of a pass
worth reading (plate_index/chooser.py). The gate is the frame tap's `MotionTest`
(recorder/frames.py): while it finds the road still the tap decodes keyframes only and asks `differs`
about each; one per camera, asked from that camera's tap thread.

It runs in the daemon, which does not load OpenCV (recorder.frames.video_frame): the small copy is
FFmpeg's area scaling (what OpenCV's INTER_AREA does, within one grey level) and OpenCV's 5x5 Gaussian
blur in numpy (the same kernel, borders and rounding: the same result).
"""

from __future__ import annotations

from typing import Any

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from edge.config import MotionConfig

GATE_WIDTH = 160  # pixels: enough to see a car, cheap enough to run on every sampled frame
NOISE_LEVEL = 18  # grey levels: above sensor noise and H.264 flicker after the blur
HOLD_FRAMES = 2  # frames still analysed after the last moving one
LEAST_SCORE = 1e-4  # a moving frame's score is never 0 (0 means still)
I420 = {"yuv420p", "yuvj420p"}  # what most cameras send: scaled without a copy or a conversion


class MotionGate:
    def __init__(self, config: MotionConfig):
        self.enabled = config.enabled
        self.threshold = config.threshold
        self.polygon = list(config.mask)
        self.still = 0  # frames looked at and found still (the skipped-by-motion counter)
        self._previous: np.ndarray | None = None
        self._background: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._hold = 0
        self._cached: tuple[Any, np.ndarray] | None = None  # (frame, its small grey copy)
        self._scaler = VideoReformatter()

    def differs(self, frame: Any) -> bool:
        """Whether `frame` differs from the last frame looked at (the first one always does)."""
        if not self.enabled:
            return True
        small = self._small_of(frame)
        if self._previous is None or self._previous.shape != small.shape:
            return True
        return self._changed(small, self._previous) >= self.threshold

    def look(self, frame: Any) -> float:
        """The frame tap's question about a frame (anything with a `grey` plane)."""
        if not self.enabled:
            return 1.0
        small = self._small_of(frame)
        self._cached = None  # it holds the frame's decoded picture (~1.4 MB at 720p) otherwise
        return self._look(small)

    def moving(self, image: np.ndarray) -> bool:
        """True when `image` (BGR or grey) should go to the detector. The first frame always does."""
        if not self.enabled:
            return True
        return self._look(self._small(image)) > 0

    def _look(self, small: np.ndarray) -> float:
        if self._previous is None or self._previous.shape != small.shape:
            self._previous = self._background = small
            self._mask = self._polygon_mask(small.shape)
            return LEAST_SCORE
        moved = self._changed(small, self._previous) >= self.threshold
        self._previous = small
        if moved:
            self._hold = HOLD_FRAMES
        elif self._hold > 0:
            self._hold -= 1
        else:
            self._background = small
            self.still += 1
            return 0.0
        assert self._background is not None
        return max(LEAST_SCORE, self._changed(small, self._background))

    def _changed(self, small: np.ndarray, reference: np.ndarray) -> float:
        """The share of the (masked) picture where `small` and `reference` differ beyond the noise."""
        changed = np.abs(small.astype(np.int16) - reference) > NOISE_LEVEL
        if self._mask is None:
            return float(changed.sum()) / changed.size
        return float((changed & self._mask).sum()) / (int(self._mask.sum()) or 1)

    def _small_of(self, frame: Any) -> np.ndarray:
        if self._cached is None or self._cached[0] is not frame:
            picture = getattr(frame, "picture", None)
            if isinstance(picture, av.VideoFrame) and picture.format.name in I420:
                small = self._scaled(picture)
            else:
                small = self._small(frame.grey)
            self._cached = (frame, small)
        return self._cached[1]

    def _scaled(self, picture: av.VideoFrame) -> np.ndarray:
        """The small blurred grey copy of a decoder's 4:2:0 picture, scaled as it is (its brightness plane
        unconverted, as `grey` gives it) by this camera's own scaler: FFmpeg keeps its scaling context
        between frames, which a new one per frame spends a millisecond setting up (0.1 ms this way)."""
        width, height = GATE_WIDTH, max(1, round(picture.height * GATE_WIDTH / picture.width))
        small = self._scaler.reformat(picture, width=width, height=height, interpolation="AREA")
        return _blur(small.to_ndarray()[:height])

    @staticmethod
    def _small(image: np.ndarray) -> np.ndarray:
        """A GATE_WIDTH-wide, blurred grey copy of `image` (grey, or BGR)."""
        height, width = image.shape[:2]
        size = (GATE_WIDTH, max(1, round(height * GATE_WIDTH / width)))
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="gray" if image.ndim == 2
                                             else "bgr24")
        small = picture.reformat(width=size[0], height=size[1], format="gray", interpolation="AREA")
        return _blur(small.to_ndarray())

    def _polygon_mask(self, shape: tuple[int, ...]) -> np.ndarray | None:
        """The pixels inside the mask polygon, or on its outline (as OpenCV's fillPoly fills them)."""
        if not self.polygon:
            return None
        height, width = shape[:2]
        points = [(x * (width - 1), y * (height - 1)) for x, y in self.polygon]
        ys, xs = np.mgrid[0:height, 0:width].astype(float)
        inside = np.zeros((height, width), dtype=bool)
        outline = np.zeros((height, width), dtype=bool)
        for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
            crosses = (y1 > ys) != (y2 > ys)  # even-odd rule: edges a ray to the right crosses
            with np.errstate(divide="ignore", invalid="ignore"):
                inside ^= crosses & (xs < (x2 - x1) * (ys - y1) / (y2 - y1) + x1)
            dx, dy = x2 - x1, y2 - y1
            t = np.clip(((xs - x1) * dx + (ys - y1) * dy) / ((dx * dx + dy * dy) or 1.0), 0.0, 1.0)
            outline |= np.hypot(xs - (x1 + t * dx), ys - (y1 + t * dy)) <= 0.5
        return inside | outline


def _blur(small: np.ndarray) -> np.ndarray:
    """OpenCV's GaussianBlur(small, (5, 5), 0) of a uint8 picture: the kernel [1 4 6 4 1]/16 each way,
    borders mirrored without repeating the edge pixel, rounded to the nearest level (~0.2 ms at 160x90)."""
    padded = np.pad(small.astype(np.uint32), 2, mode="reflect")
    rows = padded[:-4] + 4 * padded[1:-3] + 6 * padded[2:-2] + 4 * padded[3:-1] + padded[4:]
    both = rows[:, :-4] + 4 * rows[:, 1:-3] + 6 * rows[:, 2:-2] + 4 * rows[:, 3:-1] + rows[:, 4:]
    return ((both + 128) >> 8).astype(np.uint8)
