"""How readable a plate is in the picture: its width, tilt and blur, measured on the detector's crop.

The aiming aid (plate_index.aim) reports these for every plate it sees, so an installer on a ladder
knows what to change; the thresholds it applies were measured against what the OCR reads on the
dev photos (bench/aim_curve.py, docs/aiming.md). The measures are a few gradient images of one
small crop, cheap next to the OCR itself:
- width: the detector box's width in pixels (the OCR scales every plate to 128 x 64);
- tilt: the dominant edge direction folded to a quarter turn (a plate's border and character strokes
  are horizontal and vertical), i.e. the angle of the 4th-harmonic mean of the gradient directions,
  weighted by gradient energy; recovers a known rotation of the dev photos within ~2 degrees;
- blur: how many pixels an edge is spread over, along x and along y: the crop's contrast (5th to
  95th percentile of grey levels) over its steepest gradient (99th percentile). A sharp edge measures
  about 2 px; motion blur over L px measures about L along the motion and stays sharp across it;
  a lens out of focus spreads both directions alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Blur along one axis at least this many times the other is motion, not focus (a moving car is
# smeared along its path). Measured on the dev photos: focus blur gives 1.0-1.8 on 85 % of plates,
# motion blur of 6 % of the plate's width 2-4 on 85 %; the verdict goes by the majority of plates.
MOTION_RATIO = 2.0
# Grey-level contrast below which edges are lost in noise (blur cannot be measured, the plate is too
# dark or washed out).
MIN_CONTRAST = 12.0


@dataclass(frozen=True)
class PlateQuality:
    width: int  # px
    height: int  # px
    tilt: float  # degrees, positive = the plate's right end is higher in the picture
    blur_x: float  # px an edge is spread over along x
    blur_y: float  # ... along y
    contrast: float  # grey levels between the plate's dark and light parts
    brightness: float  # mean grey level of the crop

    @property
    def blur(self) -> float:
        """The worse of the two directions, in pixels."""
        return max(self.blur_x, self.blur_y)

    @property
    def blur_share(self) -> float:
        """Blur as a share of the plate's width: what the OCR sees after scaling the plate to 128 px."""
        return self.blur / self.width if self.width else 0.0

    @property
    def motion_blur(self) -> bool:
        low, high = sorted((self.blur_x, self.blur_y))
        return high >= MOTION_RATIO * low


def measure_plate(crop: np.ndarray) -> PlateQuality:
    """Width, tilt and blur of a plate crop (BGR or grey, as cut from the frame by the detector box)."""
    import cv2

    grey = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    grey = grey.astype(np.float32)
    height, width = grey.shape[:2]
    if width < 3 or height < 3:
        return PlateQuality(width, height, 0.0, 0.0, 0.0, 0.0, float(grey.mean()) if grey.size else 0.0)
    # Sobel's 3x3 kernel sums 8 pixel differences: /8 gives grey levels per pixel.
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3) / 8
    dark, light = np.percentile(grey, (5, 95))
    contrast = float(light - dark)
    blur_x = _spread(contrast, gx)
    blur_y = _spread(contrast, gy)
    energy = gx * gx + gy * gy
    harmonic = np.sum(energy * np.exp(4j * np.arctan2(gy, gx)))
    # Image rows grow downwards: a plate turned anticlockwise on screen has edges at negative angles.
    tilt = -math.degrees(float(np.angle(harmonic)) / 4) if abs(harmonic) > 0 else 0.0
    return PlateQuality(width, height, round(tilt, 1), blur_x, blur_y, round(contrast, 1),
                        round(float(grey.mean()), 1))


def _spread(contrast: float, gradient: np.ndarray) -> float:
    if contrast < MIN_CONTRAST:
        return 0.0
    steepest = float(np.percentile(np.abs(gradient), 99))
    return round(contrast / max(steepest, 1e-3), 2)
