"""Plates at a chosen size, blur and tilt, made from the dev photos in ../shared/plates (never committed).

The aiming aid's calibration (bench/aim_curve.py: stills) and its acceptance test (tests/test_aim.py:
drive-by clips over RTSP) both build their pictures here, so the thresholds the bench measures apply
to what the test shows the aid. A `Look` says how the plate appears: its width in pixels, horizontal
motion blur (a car crossing the picture with a slow shutter), focus blur, and tilt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from plate_clips import (
    CAR_SECONDS,
    GAP_SECONDS,
    HEIGHT,
    WIDTH,
    Car,
    DriveByClip,
    Pass,
    _noisy,
    background,
    car_window,
    paste,
)


@dataclass(frozen=True)
class Look:
    width: float  # plate width in pixels
    motion_blur: float = 0.0  # length in pixels of a horizontal smear
    focus_blur: float = 0.0  # Gaussian sigma in pixels
    tilt: float = 0.0  # degrees, anticlockwise on screen (the plate's right end higher)

    def label(self) -> str:
        return f"w{self.width:g}-m{self.motion_blur:g}-f{self.focus_blur:g}-t{self.tilt:g}"


def plate_picture(
    photo: np.ndarray, box: tuple[int, int, int, int], look: Look
) -> tuple[np.ndarray, float, float]:
    """The car window with its plate as `look` says, and the plate's centre in it."""
    car, cx, cy = car_window(photo, box, look.width)
    if look.tilt:
        turn = cv2.getRotationMatrix2D((cx, cy), look.tilt, 1.0)
        car = cv2.warpAffine(car, turn, (car.shape[1], car.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    if look.motion_blur >= 2:
        length = round(look.motion_blur)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        car = cv2.filter2D(car, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    if look.focus_blur > 0:
        car = cv2.GaussianBlur(car, (0, 0), look.focus_blur)
    return car, cx, cy


def still(scene: np.ndarray, car: Car, look: Look, photo: np.ndarray | None = None) -> np.ndarray:
    """One frame: the car in the middle of `scene` (any size), its plate at 60 % of the height.
    `photo`: the car's photo if already loaded."""
    frame = scene.copy()
    photo = cv2.imread(str(car.file)) if photo is None else photo
    picture, cx, cy = plate_picture(photo, car.box, look)
    paste(frame, picture, int(frame.shape[1] / 2 - cx), int(frame.shape[0] * 0.6 - cy))
    return frame


def scene_of_size(width: int, height: int, seed: int = 0) -> np.ndarray:
    """The drive-by clips' roadside scene, scaled to another frame size (1920x1080 cameras)."""
    scene = background(seed)
    if (width, height) == (WIDTH, HEIGHT):
        return scene
    return cv2.resize(scene, (width, height), interpolation=cv2.INTER_LINEAR)


# The aid and plate reading look at 5 frames/s: 15 frames/s clips hold every frame they analyse, for
# 60 % of the cost of making and encoding 25.
AIM_FPS = 15


def _frames(cars: list[Car], look: Look, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    scene = background(seed)
    for car in cars:
        picture, cx, cy = plate_picture(cv2.imread(str(car.file)), car.box, look)
        moving = round(CAR_SECONDS * AIM_FPS)
        for i in range(moving):
            u = i / (moving - 1)
            frame = scene.copy()
            paste(frame, picture, int(WIDTH * (0.9 - 0.8 * u) - cx), int(HEIGHT * 0.6 - cy))
            yield _noisy(frame, rng)
        for _ in range(round(GAP_SECONDS * AIM_FPS)):
            yield _noisy(scene, rng)


def build_aim_clip(folder: Path, cars: list[Car], look: Look, seed: int = 0) -> DriveByClip:
    """Encode (or reuse) a drive-by clip (1280x720, AIM_FPS) whose plates look as `look` says for their
    whole pass."""
    from clips import encode_frames

    key = hashlib.sha1(json.dumps([str(c.file) for c in cars] + [asdict(look), seed]).encode()).hexdigest()
    path = folder / f"aim-{look.label()}-{key[:10]}.mp4"
    passes, t = [], 0.0
    for car in cars:
        passes.append(Pass(car.plate, t, t + CAR_SECONDS))
        t += CAR_SECONDS + GAP_SECONDS
    if not path.exists():
        tmp = path.with_name("tmp-" + path.name)
        encode_frames(tmp, _frames(cars, look, seed), fps=AIM_FPS, bitrate=3_000_000)
        tmp.replace(path)
    return DriveByClip(path, tuple(passes), t)
