"""Rendered drive-by scenes with Ukrainian plates that the real plate models read.

The demo must work on a fresh machine without ../shared, so it draws its own cars. What the detector
needs (measured): a flat cartoon car scores 0.24-0.32 (below the 0.4 threshold), while a scene with
texture, shading and a plate of plausible size scores 0.8-0.9 and the OCR reads the text exactly.
So the road carries noise, the car body a vertical shading, and the plate a real layout (white, black
border, blue "UA" strip) drawn with FONT_HERSHEY_DUPLEX.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

WIDTH, HEIGHT = 1280, 720
# Regional codes of southern Ukraine first (Odesa BH, Mykolaiv BE, Kherson BT), then others.
REGIONS = ("BH", "BH", "BH", "BE", "BT", "AA", "KA", "AX")
# Letters of Ukrainian plates that have Latin look-alikes; O and I are left out of the demo because the
# OCR may read them as 0 and 1 (a real camera shows the same, and tolerant search finds them).
LETTERS = "ABCEHKMPTX"


@dataclass(frozen=True)
class Pass:
    """One car in a clip: its plate and when (seconds from the clip's start) it is in view."""

    plate: str
    start: float
    end: float


def random_plate(rng: np.random.Generator) -> str:
    region = REGIONS[rng.integers(len(REGIONS))]
    digits = "".join(str(d) for d in rng.integers(0, 10, 4))
    suffix = "".join(LETTERS[i] for i in rng.integers(0, len(LETTERS), 2))
    return f"{region}{digits}{suffix}"


def plate_image(text: str, width: int = 520, height: int = 112) -> np.ndarray:
    """A Ukrainian plate (BGR): white field, black border, blue strip with UA, black characters."""
    plate = np.full((height, width, 3), 245, np.uint8)
    cv2.rectangle(plate, (2, 2), (width - 3, height - 3), (20, 20, 20), 4)
    cv2.rectangle(plate, (6, 6), (62, height - 7), (180, 80, 0), -1)
    cv2.putText(plate, "UA", (12, height - 20), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 215, 255), 2, cv2.LINE_AA)
    font, scale, thickness = cv2.FONT_HERSHEY_DUPLEX, 2.6, 5
    (text_w, text_h), _ = cv2.getTextSize(text, font, scale, thickness)
    x = 70 + (width - 70 - text_w) // 2
    cv2.putText(plate, text, (x, (height + text_h) // 2), font, scale, (15, 15, 15), thickness, cv2.LINE_AA)
    return plate


def road(rng: np.random.Generator) -> np.ndarray:
    """The empty scene (uint8 BGR): a lit gradient with asphalt-like noise and lane marks."""
    rows = np.arange(HEIGHT, dtype=np.float32)[:, None, None]
    scene = np.concatenate([110 + rows * 0.08, 115 + rows * 0.07, 120 + rows * 0.05], axis=2)
    scene = np.broadcast_to(scene, (HEIGHT, WIDTH, 3)) + rng.normal(0, 12, (HEIGHT, WIDTH, 3))
    scene = np.clip(scene, 0, 255).astype(np.uint8)
    for y in range(380, HEIGHT, 90):
        cv2.line(scene, (WIDTH // 2, y), (WIDTH // 2, y + 40), (200, 200, 200), 6)
    return scene


def draw_car(
    scene: np.ndarray, plate: np.ndarray, colour: np.ndarray, centre: tuple[int, int], scale: float
) -> None:
    """Draw a front view of a car with its plate into `scene` (uint8, in place); scale 1.0 = 560 px wide.

    Only the car's own rectangle is touched, so a frame costs a few milliseconds."""
    cx, cy = centre
    half_w, half_h = int(280 * scale), int(150 * scale)
    top, bottom = max(0, cy - half_h), min(HEIGHT, cy + half_h)
    left, right = max(0, cx - half_w), min(WIDTH, cx + half_w)
    if bottom > top and right > left:
        shade = np.linspace(1.25, 0.6, HEIGHT, dtype=np.float32)[top:bottom, None, None]
        body = np.clip(colour[None, None, :] * shade, 0, 255).astype(np.uint8)
        scene[top:bottom, left:right] = np.broadcast_to(body, (bottom - top, right - left, 3))

    def s(value: float) -> int:
        return int(value * scale)

    glass = (cx - half_w + s(50), cy - half_h - s(120)), (cx + half_w - s(50), cy - half_h + s(20))
    cv2.rectangle(scene, *glass, (40, 40, 45), -1)
    for dx in (-half_w + s(70), half_w - s(70)):
        cv2.ellipse(scene, (cx + dx, cy - s(40)), (s(55), s(28)), 0, 0, 360, (230, 235, 240), -1)
    cv2.rectangle(scene, (cx - s(150), cy - s(70)), (cx + s(150), cy - s(10)), (25, 25, 25), -1)
    for gy in range(cy - s(65), cy - s(10), max(3, s(8))):
        cv2.line(scene, (cx - s(145), gy), (cx + s(145), gy), (70, 70, 70), max(1, s(2)))
    bumper = (cx - half_w - s(10), cy + half_h - s(10)), (cx + half_w + s(10), cy + half_h + s(25))
    cv2.rectangle(scene, *bumper, (15, 15, 15), -1)
    plate_w = s(180)
    plate_h = int(plate_w * plate.shape[0] / plate.shape[1])
    small = cv2.resize(plate, (plate_w, plate_h), interpolation=cv2.INTER_AREA)
    x0, y0 = cx - plate_w // 2, cy + s(40)
    y1, x1 = min(y0 + plate_h, HEIGHT), min(x0 + plate_w, WIDTH)
    if y0 >= 0 and x0 >= 0 and y1 > y0 and x1 > x0:
        scene[y0:y1, x0:x1] = small[: y1 - y0, : x1 - x0]


def drive_by(
    plates: list[str],
    *,
    fps: int = 15,
    seconds_per_car: float = 3.0,
    gap_seconds: float = 1.5,
    seed: int = 0,
) -> tuple[Iterator[np.ndarray], list[Pass]]:
    """Frames (BGR uint8) of cars approaching one after another, and when each is in view.

    Each car comes from the distance (small, high in the picture) towards the camera (large, low),
    the way a road camera sees it; between cars the road is empty but noisy, like a real sensor.
    """
    rng = np.random.default_rng(seed)
    per_car, per_gap = round(seconds_per_car * fps), round(gap_seconds * fps)
    passes, t = [], 0.0
    for plate in plates:
        passes.append(Pass(plate, t, t + seconds_per_car))
        t += seconds_per_car + gap_seconds

    def frames() -> Iterator[np.ndarray]:
        base = road(rng)
        sensor = _SensorNoise(rng)
        for plate in plates:
            drawn = plate_image(plate)
            colour = rng.integers(30, 200, 3).astype(np.float32)
            drift = rng.uniform(-120, 120)
            for i in range(per_car):
                progress = i / max(1, per_car - 1)
                scene = base.copy()
                centre = (int(WIDTH / 2 + drift * (1 - progress)), int(300 + 150 * progress))
                draw_car(scene, drawn, colour, centre, 0.55 + 0.6 * progress)
                yield sensor.apply(scene)
            for _ in range(per_gap):
                yield sensor.apply(base.copy())

    return frames(), passes


class _SensorNoise:
    """Camera-like softness and sensor noise; a few noise fields reused in turn keep rendering cheap."""

    def __init__(self, rng: np.random.Generator, fields: int = 6):
        self._fields = [rng.integers(0, 9, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(fields)]
        self._next = 0

    def apply(self, scene: np.ndarray) -> np.ndarray:
        scene = cv2.GaussianBlur(scene, (3, 3), 0)
        noise = self._fields[self._next % len(self._fields)]
        self._next += 1
        return cv2.add(cv2.subtract(scene, 4), noise)
