"""Which way a car went past a camera, from its plate's path across the frames of one pass.

A plate is a ruler of known size (plates are all about as wide), so its box says where the car is in
plate widths, whatever its distance. Through a pinhole lens, a plate `w` px wide whose centre is `x` px
from the middle of the picture is `x / w` plate widths to the side of the camera's axis and `f / w`
plate widths away from it, `f` being the lens's focal length in pixels. Over a pass, the change of
the distance says towards the camera (the box grows) or away from it (the box shrinks); the change of
the side says left to right or right to left. Whichever of the two moved further, in these same
units, is the pass's direction, provided it moved clearly further (`DOMINANCE`), the car moved far
enough (`MIN_TRAVEL`) and the plate was read on enough frames (`MIN_FRAMES`); otherwise the direction
is unknown. Each movement is the slope of a straight line fitted through the reads over time, so one
badly placed box does not turn a pass around.

The focal length is not known per camera; a nominal lens (`NOMINAL_FIELD_OF_VIEW`) stands for it. A
wider or narrower lens only weighs the two movements differently, which matters for a road seen at
about 40° from the camera's axis: the installer can give such a camera's two neighbouring directions
the same label (edge.config.DirectionLabels). Pure logic: reads in, a Direction out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

MIN_FRAMES = 3  # reads at distinct moments; two points always make a line
MIN_TRAVEL = 1.0  # plate widths (about half a metre): less is a car standing, or noise in the boxes
DOMINANCE = 1.25  # the chosen movement is at least this much larger than the other (within ~39° of it)
NOMINAL_FIELD_OF_VIEW = 80.0  # degrees across the picture, a common road camera's lens


class Direction(StrEnum):
    """A sighting's direction of travel as stored in plates.db and passed in the API."""

    TOWARDS = "towards"
    AWAY = "away"
    LEFT_TO_RIGHT = "left_to_right"
    RIGHT_TO_LEFT = "right_to_left"
    UNKNOWN = "unknown"


class BoxedRead(Protocol):
    """What a direction needs of a plate read (plate_index.grouping.PlateRead has it)."""

    @property
    def time(self) -> float: ...  # epoch seconds of the frame

    @property
    def box(self) -> tuple[int, int, int, int]: ...  # x1, y1, x2, y2 in the frame's pixels

    @property
    def frame_width(self) -> int: ...  # the frame's width in pixels (0: not known)


def direction_of(reads: Iterable[BoxedRead]) -> Direction:
    """The direction of travel of one pass, from the plate boxes of its reads (in any order)."""
    path = sorted((r for r in reads if r.box[2] > r.box[0]), key=lambda r: r.time)
    if len({r.time for r in path}) < MIN_FRAMES:
        return Direction.UNKNOWN
    centres = [(r.box[0] + r.box[2]) / 2 for r in path]
    frame_widths = [r.frame_width for r in path if r.frame_width > 0]
    # Without the frame's width, the middle of the plate's own path stands for the middle of the picture.
    picture = max(frame_widths) if frame_widths else min(centres) + max(centres)
    middle = picture / 2
    focal = middle / math.tan(math.radians(NOMINAL_FIELD_OF_VIEW / 2))
    times = [r.time - path[0].time for r in path]
    widths = [r.box[2] - r.box[0] for r in path]
    side = _travel(times, [(c - middle) / w for c, w in zip(centres, widths, strict=True)])
    distance = _travel(times, [focal / w for w in widths])
    if max(abs(side), abs(distance)) < MIN_TRAVEL:
        return Direction.UNKNOWN
    if abs(distance) >= DOMINANCE * abs(side):
        return Direction.AWAY if distance > 0 else Direction.TOWARDS
    if abs(side) >= DOMINANCE * abs(distance):
        return Direction.LEFT_TO_RIGHT if side > 0 else Direction.RIGHT_TO_LEFT
    return Direction.UNKNOWN


def _travel(times: list[float], values: list[float]) -> float:
    """How far `values` moved over the pass: a fitted line's slope times the pass's duration."""
    return statistics.linear_regression(times, values).slope * (times[-1] - times[0])
