"""The aiming aid's measures on real plate crops: tilt, motion and focus blur are recovered from pictures
made worse by known amounts (the dev photos of ../shared/plates, turned and blurred here)."""

from __future__ import annotations

import statistics

import cv2
import numpy as np
import pytest
from aim_clips import Look, plate_picture
from plate_clips import load_cars

from plate_index.plate_quality import measure_plate

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def photos(plates_dir):
    cars = [c for c in load_cars(plates_dir) if c.box != (0, 0, 0, 0)][::12]
    return [(cv2.imread(str(c.file)), c.box) for c in cars]


def crops(photos, look: Look) -> list[np.ndarray]:
    """The plate with a margin (as a detector box would have), the car made as `look` says."""
    out = []
    for photo, box in photos:
        car, cx, cy = plate_picture(photo, box, look)
        half_w, half_h = look.width * 0.55, look.width * box[3] / box[2] * 0.75 + abs(look.tilt) * 1.2
        out.append(car[int(cy - half_h):int(cy + half_h), int(cx - half_w):int(cx + half_w)])
    return out


def test_width_is_the_crop_width(photos):
    assert measure_plate(crops(photos, Look(130))[0]).width == pytest.approx(143, abs=1)


def test_tilt_follows_the_turn_of_the_plate(photos):
    level = [measure_plate(c).tilt for c in crops(photos, Look(140))]
    for angle in (-20, -10, 10, 20):
        turned = [measure_plate(c).tilt for c in crops(photos, Look(140, tilt=angle))]
        change = statistics.median(t - t0 for t, t0 in zip(turned, level, strict=True))
        assert change == pytest.approx(angle, abs=4), angle  # the crop's background pulls it a little


def test_motion_blur_spreads_edges_along_the_motion_only(photos):
    sharp = [measure_plate(c) for c in crops(photos, Look(140))]
    smeared = [measure_plate(c) for c in crops(photos, Look(140, motion_blur=10))]
    assert statistics.median(q.blur for q in sharp) < 3.5
    assert statistics.median(q.blur_x for q in smeared) == pytest.approx(9, abs=2.5)
    assert statistics.median(q.blur_y for q in smeared) < 3.5
    # one plate's ratio is a hint (strokes and borders differ); the verdict goes by most plates
    assert sum(q.motion_blur for q in smeared) >= 0.75 * len(smeared)


def test_focus_blur_spreads_edges_both_ways(photos):
    blurred = [measure_plate(c) for c in crops(photos, Look(140, focus_blur=3))]
    assert statistics.median(q.blur_x for q in blurred) > 5
    assert statistics.median(q.blur_y for q in blurred) > 5
    assert sum(q.motion_blur for q in blurred) <= 0.25 * len(blurred)
    assert statistics.median(q.blur_share for q in blurred) == pytest.approx(
        statistics.median(q.blur / q.width for q in blurred))


def test_a_flat_crop_has_no_measurable_blur():
    flat = np.full((30, 120, 3), 128, np.uint8)
    quality = measure_plate(flat)
    assert (quality.blur, quality.tilt, quality.contrast) == (0.0, 0.0, 0.0)
    assert measure_plate(flat[:2, :2]).width == 2
