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
    """The empty scene (float32 BGR): a lit gradient with asphalt-like noise and lane marks."""
    rows = np.arange(HEIGHT, dtype=np.float32)[:, None, None]
    scene = np.concatenate([110 + rows * 0.08, 115 + rows * 0.07, 120 + rows * 0.05], axis=2)
    scene = np.broadcast_to(scene, (HEIGHT, WIDTH, 3)).copy()
    scene += rng.normal(0, 12, scene.shape).astype(np.float32)
    for y in range(380, HEIGHT, 90):
        cv2.line(scene, (WIDTH // 2, y), (WIDTH // 2, y + 40), (200, 200, 200), 6)
    return scene


def draw_car(
    scene: np.ndarray, plate: np.ndarray, colour: np.ndarray, centre: tuple[int, int], scale: float
) -> None:
    """Draw a front view of a car with its plate into `scene` (in place), `scale` 1.0 = 560 px wide."""
    cx, cy = centre
    half_w, half_h = int(280 * scale), int(150 * scale)
    body = np.zeros(scene.shape[:2], np.uint8)
    cv2.rectangle(body, (cx - half_w, cy - half_h), (cx + half_w, cy + half_h), 255, -1)
    shade = np.linspace(1.25, 0.6, HEIGHT, dtype=np.float32)[:, None, None]
    mask = cv2.GaussianBlur(body, (15, 15), 0)[..., None].astype(np.float32) / 255
    scene *= 1 - mask
    scene += colour[None, None, :] * shade * mask
    s = lambda v: int(v * scale)  # noqa: E731 - scale a length
    cv2.rectangle(
        scene,
        (cx - half_w + s(50), cy - half_h - s(120)),
        (cx + half_w - s(50), cy - half_h + s(20)),
        (40, 40, 45),
        -1,
    )
    for dx in (-half_w + s(70), half_w - s(70)):
        cv2.ellipse(scene, (cx + dx, cy - s(40)), (s(55), s(28)), 0, 0, 360, (230, 235, 240), -1)
    cv2.rectangle(scene, (cx - s(150), cy - s(70)), (cx + s(150), cy - s(10)), (25, 25, 25), -1)
    for gy in range(cy - s(65), cy - s(10), max(3, s(8))):
        cv2.line(scene, (cx - s(145), gy), (cx + s(145), gy), (70, 70, 70), max(1, s(2)))
    cv2.rectangle(
        scene,
        (cx - half_w - s(10), cy + half_h - s(10)),
        (cx + half_w + s(10), cy + half_h + s(25)),
        (15, 15, 15),
        -1,
    )
    plate_w = s(180)
    plate_h = int(plate_w * plate.shape[0] / plate.shape[1])
    small = cv2.resize(plate, (plate_w, plate_h), interpolation=cv2.INTER_AREA).astype(np.float32)
    x0, y0 = cx - plate_w // 2, cy + s(40)
    y1, x1 = min(y0 + plate_h, HEIGHT), min(x0 + plate_w, WIDTH)
    if y0 >= 0 and x0 >= 0 and y1 > y0 and x1 > x0:
        scene[y0:y1, x0:x1] = small[: y1 - y0, : x1 - x0]


def drive_by(
    plates: list[str], *, fps: int = 25, seconds_per_car: float = 3.0, gap_seconds: float = 1.5, seed: int = 0
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
        for plate in plates:
            drawn = plate_image(plate)
            colour = rng.integers(30, 200, 3).astype(np.float32)
            drift = rng.uniform(-120, 120)
            for i in range(per_car):
                progress = i / max(1, per_car - 1)
                scale = 0.55 + 0.6 * progress
                centre = (int(WIDTH / 2 + drift * (1 - progress)), int(300 + 150 * progress))
                yield _finish(_with_car(base, drawn, colour, centre, scale), rng)
            for _ in range(per_gap):
                yield _finish(base.copy(), rng)

    return frames(), passes


def _with_car(
    base: np.ndarray, plate: np.ndarray, colour: np.ndarray, centre: tuple[int, int], scale: float
) -> np.ndarray:
    scene = base.copy()
    draw_car(scene, plate, colour, centre, scale)
    return scene


def _finish(scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Camera-like softness and sensor noise, as uint8."""
    scene = cv2.GaussianBlur(scene, (3, 3), 0)
    scene += rng.normal(0, 4, scene.shape).astype(np.float32)
    return np.clip(scene, 0, 255).astype(np.uint8)
