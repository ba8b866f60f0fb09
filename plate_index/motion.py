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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from edge.config import MotionConfig

GATE_WIDTH = 160  # pixels: enough to see a car, cheap enough to run on every sampled frame
NOISE_LEVEL = 18  # grey levels: above sensor noise and H.264 flicker after the blur
HOLD_FRAMES = 2  # frames still analysed after the last moving one
LEAST_SCORE = 1e-4  # a moving frame's score is never 0 (0 means still)


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
        import cv2

        changed = cv2.absdiff(small, reference) > NOISE_LEVEL
        if self._mask is None:
            return float(changed.sum()) / changed.size
        return float((changed & self._mask).sum()) / (int(self._mask.sum()) or 1)

    def _small_of(self, frame: Any) -> np.ndarray:
        if self._cached is None or self._cached[0] is not frame:
            self._cached = (frame, self._small(frame.grey))
        return self._cached[1]

    @staticmethod
    def _small(image: np.ndarray) -> np.ndarray:
        import cv2

        height, width = image.shape[:2]
        size = (GATE_WIDTH, max(1, round(height * GATE_WIDTH / width)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if small.ndim == 3:
            small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        return cv2.GaussianBlur(small, (5, 5), 0)

    def _polygon_mask(self, shape: tuple[int, ...]) -> np.ndarray | None:
        if not self.polygon:
            return None
        import cv2

        height, width = shape[:2]
        points = np.array([[x * (width - 1), y * (height - 1)] for x, y in self.polygon], dtype=np.int32)
        mask = np.zeros((height, width), dtype=np.uint8)
        cv2.fillPoly(mask, [points], 1)
        return mask.astype(bool)
