"""Plate pictures: the best crop of each sighting and a downscaled scene frame, as JPEG files.

Files live under DataLayout.plate_images_dir as <day>/<camera>/<time>-<token>-crop.jpg (UTC day), so
pruning by age and by camera stays a matter of folders; the store keeps their paths relative to
storage.path. A sighting's pictures are encoded when a read becomes its best one (`encode_evidence`:
~40 KB of JPEG held instead of ~700 KB of pixels, for every sighting being grouped) and written when it
is stored.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import numpy as np

from edge.clock import from_epoch
from edge.layout import DataLayout, checked_camera_name

SCENE_WIDTH = 640
CROP_MIN_WIDTH = 160  # small distant plates are upscaled so the police can read the picture
JPEG_QUALITY = 85


Picture = np.ndarray | bytes | None  # pixels (BGR), or a JPEG already encoded


def write_sighting_images(
    layout: DataLayout, camera: str, first_seen: float, crop: Picture, scene: Picture
) -> tuple[str | None, str | None]:
    """Write the crop and scene JPEGs; returns their paths relative to storage.path (None if absent)."""
    moment = from_epoch(first_seen)
    folder = layout.plate_images_dir / moment.strftime("%Y-%m-%d") / checked_camera_name(camera)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{moment.strftime('%H%M%S')}-{secrets.token_hex(4)}"
    paths: list[str | None] = []
    for suffix, picture in (("crop", crop), ("scene", scene)):
        data = picture if isinstance(picture, bytes) else _jpeg(_crop_for_display(picture) if suffix == "crop"
                                                                 else picture)
        if not data:
            paths.append(None)
            continue
        path = folder / f"{stem}-{suffix}.jpg"
        _write_atomically(path, data)
        paths.append(str(path.relative_to(layout.root)))
    return paths[0], paths[1]


def encode_evidence(crop: np.ndarray | None, frame: np.ndarray) -> tuple[bytes | None, bytes | None]:
    """The crop (upscaled if small) and the frame downscaled to SCENE_WIDTH, as JPEG bytes."""
    return _jpeg(_crop_for_display(crop)), _jpeg(downscale_scene(frame))


def _jpeg(image: np.ndarray | None) -> bytes | None:
    import cv2

    if image is None or image.size == 0:
        return None
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return data.tobytes() if ok else None


def downscale_scene(image: np.ndarray) -> np.ndarray:
    """A copy of the frame at most SCENE_WIDTH wide (kept in memory until the sighting is finished)."""
    import cv2

    height, width = image.shape[:2]
    if width <= SCENE_WIDTH:
        return image.copy()
    size = (SCENE_WIDTH, max(1, round(height * SCENE_WIDTH / width)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _crop_for_display(crop: np.ndarray | None) -> np.ndarray | None:
    import cv2

    if crop is None or crop.size == 0 or crop.shape[1] >= CROP_MIN_WIDTH:
        return crop
    scale = CROP_MIN_WIDTH / crop.shape[1]
    size = (CROP_MIN_WIDTH, max(1, round(crop.shape[0] * scale)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
