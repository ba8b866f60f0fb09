"""The motion gate: skip the plate detector (~70 ms a frame) on frames where nothing moves.

A cheap test (~1 ms) on a small blurred grey copy of the frame: pixels that differ from the previous
sampled frame by more than a noise margin are counted inside the camera's mask polygon; the frame is
"moving" when their share reaches the camera's `motion.threshold`. The previous frame (not a slow running
average) is the reference because at 5 frames/s a passing car moves many pixels per frame, and the scene
is "still" again as soon as it has gone, with no ghost to fade. After motion a few more frames are let
through (a car slowing down at the edge of the picture still gets read). Per camera, in the daemon.
"""

from __future__ import annotations

import numpy as np

from edge.config import MotionConfig

GATE_WIDTH = 160  # pixels: enough to see a car, cheap enough to run on every sampled frame
NOISE_LEVEL = 18  # grey levels: above sensor noise and H.264 flicker after the blur
HOLD_FRAMES = 2  # frames still analysed after the last moving one


class MotionGate:
    def __init__(self, config: MotionConfig):
        self.enabled = config.enabled
        self.threshold = config.threshold
        self.polygon = list(config.mask)
        self._previous: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._hold = 0

    def moving(self, image: np.ndarray) -> bool:
        """True when `image` (BGR) should go to the detector. The first frame always does."""
        if not self.enabled:
            return True
        import cv2

        height, width = image.shape[:2]
        small_size = (GATE_WIDTH, max(1, round(height * GATE_WIDTH / width)))
        grey = cv2.cvtColor(cv2.resize(image, small_size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        grey = cv2.GaussianBlur(grey, (5, 5), 0).astype(np.float32)
        if self._previous is None or self._previous.shape != grey.shape:
            self._previous = grey
            self._mask = self._polygon_mask(grey.shape)
            return True
        changed = cv2.absdiff(grey, self._previous) > NOISE_LEVEL
        if self._mask is not None:
            changed &= self._mask
            area = int(self._mask.sum()) or 1
        else:
            area = changed.size
        self._previous = grey
        if changed.sum() / area >= self.threshold:
            self._hold = HOLD_FRAMES
            return True
        if self._hold > 0:
            self._hold -= 1
            return True
        return False

    def _polygon_mask(self, shape: tuple[int, ...]) -> np.ndarray | None:
        if not self.polygon:
            return None
        import cv2

        height, width = shape[:2]
        points = np.array([[x * (width - 1), y * (height - 1)] for x, y in self.polygon], dtype=np.int32)
        mask = np.zeros((height, width), dtype=np.uint8)
        cv2.fillPoly(mask, [points], 1)
        return mask.astype(bool)
