"""The plate picture of a pass, cut from the recorded video when it is asked for.

A pass the OCR did not read has no stored picture (plate reading stores pictures only for sightings),
but the store keeps the moment its plate was widest and its box there (plate_index.passes), and the
video of that moment is on the disk for as long as the pass is. So the picture is decoded from the
segment that holds the moment: seek to the keyframe before it, decode up to it, and cut the box with a
margin that shows the front of the vehicle. Boxes are in the pixels of the frames plate reading got,
which are the recorded stream's own (the frame tap decodes the recording without scaling).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

from edge.clock import from_epoch
from edge.layout import DataLayout, UnsafePath
from recorder.catalog import segment_at

log = logging.getLogger(__name__)

MARGIN_WIDTHS, MARGIN_HEIGHTS = 0.6, 1.5  # around the plate: the car's front, to tell cars apart
MIN_WIDTH = 240  # a small far plate is enlarged so that it can be looked at
JPEG_QUALITY = 85


def pass_picture(
    catalog: sqlite3.Connection, layout: DataLayout, camera: str, seen: float, box: tuple[int, int, int, int]
) -> bytes | None:
    """A JPEG of the plate's surroundings at `seen` (epoch s) on `camera`, None without video there."""
    moment = from_epoch(seen)
    segment = segment_at(catalog, camera, moment)
    if segment is None or segment.start > moment + timedelta(seconds=1):
        return None
    try:
        path = segment.file(layout)
    except UnsafePath:
        return None
    image = _frame_at(path, (moment - segment.start).total_seconds())
    if image is None:
        return None
    return _encode(_cut(image, box))


def _frame_at(path: Path, offset: float):  # -> numpy array (BGR) or None
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            base = stream.time_base
            start = stream.start_time or 0
            target = start + int(max(0.0, offset) / base)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            last = None
            for frame in container.decode(stream):
                last = frame
                if frame.pts is not None and frame.pts >= target:
                    break
            return last.to_ndarray(format="bgr24") if last is not None else None
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        log.warning("cannot decode a pass picture from %s: %s", path.name, exc)
        return None


def _cut(image, box: tuple[int, int, int, int]):
    import cv2

    height, width = image.shape[:2]
    x1, y1, x2, y2 = box
    plate_w, plate_h = max(1, x2 - x1), max(1, y2 - y1)
    left = max(0, int(x1 - plate_w * MARGIN_WIDTHS))
    right = min(width, int(x2 + plate_w * MARGIN_WIDTHS))
    top = max(0, int(y1 - plate_h * MARGIN_HEIGHTS))
    bottom = min(height, int(y2 + plate_h * MARGIN_HEIGHTS))
    if right - left < 2 or bottom - top < 2:  # a box outside the picture: show the whole frame
        return image
    crop = image[top:bottom, left:right]
    if crop.shape[1] < MIN_WIDTH:
        size = (MIN_WIDTH, max(1, round(crop.shape[0] * MIN_WIDTH / crop.shape[1])))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
    return crop


def _encode(image) -> bytes | None:
    import cv2

    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return data.tobytes() if ok else None
