"""Direction of travel (plate_index.direction) on real plate paths: the real models read the drive-by
clip of real car photos (tests/plate_clips.py: each car crosses the picture from right to left while
coming a little nearer) and a car driving straight at the camera; played backwards, the same frames are
the opposite direction. Short or unclear paths are "unknown"."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from plate_clips import (
    FPS,
    HEIGHT,
    WIDTH,
    _noisy,
    background,
    build_clip,
    car_window,
    decode,
    load_cars,
    paste,
    readable,
)

from edge.config import LprConfig
from plate_index.direction import Direction, direction_of
from plate_index.grouping import PlateRead, SightingGrouper, similarity

SAMPLE_FPS = 5  # lpr.sample_fps, the production default
CLIP_CARS = 4  # a short drive-by clip (the pipeline tests' clips have 8 cars, tests/plate_clips.py)


def _read(t: float, box: tuple[int, int, int, int], frame_width: int = 1280) -> PlateRead:
    return PlateRead("gate", t, "AA1234BB", (0.95,) * 8, 0.95, box=box, frame_width=frame_width)


def _backwards(reads: list[PlateRead]) -> list[PlateRead]:
    """The same reads as if the frames were played in reverse (the car driving the other way)."""
    end = max(r.time for r in reads)
    return [replace(r, time=end - r.time) for r in reads]


# --- the rules, on hand-made paths ---------------------------------------------------------------------


def test_too_few_frames_or_no_boxes_is_unknown():
    two = [_read(0.0, (100, 400, 200, 440)), _read(0.2, (900, 400, 1000, 440))]
    assert direction_of(two) is Direction.UNKNOWN
    same_moment = [*two, _read(0.2, (950, 400, 1050, 440))]
    assert direction_of(same_moment) is Direction.UNKNOWN
    boxless = [PlateRead("gate", t, "AA1234BB", (0.9,) * 8, 0.9) for t in (0.0, 0.2, 0.4, 0.6)]
    assert direction_of(boxless) is Direction.UNKNOWN


def test_a_standing_car_is_unknown():
    jitter = [_read(t / 5, (600 + t % 2 * 3, 400, 720 + t % 2 * 2, 440)) for t in range(10)]
    assert direction_of(jitter) is Direction.UNKNOWN


def test_a_path_half_way_between_across_and_along_is_unknown():
    # Across by ~4 plate widths while the distance falls by as much: no clear direction.
    focal = 640 / np.tan(np.radians(40))
    reads = []
    for i in range(6):
        width = focal / (12 - 0.8 * i)  # 12 -> 8 plate widths away
        centre = 640 + width * (-2 + 0.8 * i)  # -2 -> +2 plate widths to the side
        reads.append(_read(i / 5, (round(centre - width / 2), 400, round(centre + width / 2), 440)))
    assert direction_of(reads) is Direction.UNKNOWN


def test_reads_out_of_time_order_and_one_bad_box_keep_the_direction():
    reads = [_read(i / 5, (1000 - 90 * i, 400, 1120 - 90 * i, 440)) for i in range(8)]
    reads[3] = replace(reads[3], box=(1050, 400, 1170, 440))  # a box far off the path
    shuffled = [reads[i] for i in (5, 0, 7, 2, 4, 1, 6, 3)]
    assert direction_of(shuffled) is Direction.RIGHT_TO_LEFT


# --- real paths: the real models on the real drive-by clip ---------------------------------------------



@pytest.fixture(scope="module")
def recogniser(model_dir):
    from plate_index.models import build_alpr
    from plate_index.recognise import Recogniser

    return Recogniser(build_alpr(LprConfig(model_dir=str(model_dir))), 0.5)


@pytest.fixture(scope="module")
def cars(recogniser, plates_dir):
    """Cars whose still photo the models read, picked across the photo set as the pipeline tests do."""
    found = readable(load_cars(plates_dir)[::7][: 2 * CLIP_CARS], recogniser)
    assert len(found) >= CLIP_CARS, "too few photos read correctly to build the clip"
    return found[:CLIP_CARS]


def _sightings(recogniser, frames) -> list:
    """Frames (seconds, BGR picture) through the models and grouping, as the LPR worker does."""
    grouper = SightingGrouper(gap_seconds=4.0)
    finished = []
    for t, image in frames:
        for frame_read in recogniser.read_frame(image, "gate", 1_800_000_000.0 + t):
            finished += grouper.add(frame_read.read)[1]
    return [s for s in finished + grouper.flush() if s.credible]


@pytest.mark.slow
@pytest.mark.shared
def test_the_drive_by_clip_s_cars_go_right_to_left_and_backwards_left_to_right(
    recogniser, cars, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("driveby")
    clip = build_clip(folder, cars)
    sightings = _sightings(recogniser, decode(clip.path, every=FPS // SAMPLE_FPS))
    plates = {p.plate for p in clip.passes}
    of_cars = [s for s in sightings if max(similarity(s.plate, car) for car in plates) >= 0.7]
    assert len({max(plates, key=lambda car, s=s: similarity(s.plate, car)) for s in of_cars}) == CLIP_CARS
    going = [(s.plate, len(s.reads), s.direction) for s in of_cars if len(s.reads) >= 3]
    assert len(going) >= CLIP_CARS, going
    assert all(direction is Direction.RIGHT_TO_LEFT for _plate, _reads, direction in going), going
    backwards = [direction_of(_backwards(s.reads)) for s in of_cars if len(s.reads) >= 3]
    assert set(backwards) == {Direction.LEFT_TO_RIGHT}, backwards


def _approaching_frames(car, seconds: float = 2.4):
    """A real car photo driving straight at a camera (its plate 80 -> 200 px wide, slightly right of
    the middle), at the sampling rate, with sensor noise."""
    import cv2

    photo = cv2.imread(str(car.file))
    scene = background(3)
    rng = np.random.default_rng(3)
    count = round(seconds * SAMPLE_FPS)
    for i in range(count):
        u = i / (count - 1)
        width = 1 / (1 / 80 + (1 / 200 - 1 / 80) * u)  # distance falls evenly: 1/width does
        window, cx, cy = car_window(photo, car.box, width)
        frame = scene.copy()
        # 0.6 plate widths right of the axis; the picture's middle is at WIDTH / 2
        paste(frame, window, int(WIDTH / 2 + 0.6 * width - cx), int(HEIGHT * 0.55 + 0.4 * width - cy))
        yield i / SAMPLE_FPS, _noisy(frame, rng)


@pytest.mark.slow
@pytest.mark.shared
def test_a_car_driving_at_the_camera_goes_towards_and_backwards_away(recogniser, cars):
    sightings = _sightings(recogniser, _approaching_frames(cars[0]))
    assert len(sightings) == 1, [(s.plate, len(s.reads)) for s in sightings]
    sighting = sightings[0]
    assert len(sighting.reads) >= 5
    assert sighting.direction is Direction.TOWARDS
    assert direction_of(_backwards(sighting.reads)) is Direction.AWAY
