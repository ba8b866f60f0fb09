"""Passes: each plate the detector follows across frames, read or not, for the site report and aiming.

A sighting exists only when the OCR read a plate; whether a camera is any good for plate reading is
the share of plates it sees that end up read. So plate reading also groups every detection into a
*pass* (one plate crossing the picture) and stores, per pass, when it was seen, its largest width in
pixels and whether any frame of it was read. No plate text is kept here: the site report that shows
these figures is handed to the community.

Grouping is by place and time, not text (an unread plate has none): a detection joins the open pass
of its camera whose last box is nearest, if that box is within reach (1 plate width, plus 3 per second
since it was seen: a car crossing the picture at 5 frames/s moves under 1 width per frame) and was
seen less than PASS_GAP_SECONDS ago. The aiming aid uses the same tracker with its quality figures.
"""

from __future__ import annotations

import math
import sqlite3
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

PASS_GAP_SECONDS = 1.0
REACH_WIDTHS, REACH_WIDTHS_PER_SECOND = 1.0, 3.0


@dataclass(frozen=True)
class PlateView:
    """One detection of a plate on one frame."""

    time: float  # epoch seconds UTC of the frame
    box: tuple[int, int, int, int]  # x1, y1, x2, y2
    read: bool  # the OCR read it (confidently enough to be a read)
    confidence: float  # the OCR's mean character confidence (0 when it read nothing)
    quality: Any = None  # plate_index.plate_quality.PlateQuality, when measured (aiming)

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


@dataclass
class Pass:
    camera: str
    views: list[PlateView] = field(default_factory=list)

    @property
    def first_seen(self) -> float:
        return self.views[0].time

    @property
    def last_seen(self) -> float:
        return self.views[-1].time

    @property
    def widest(self) -> PlateView:
        """The plate at its largest (the frame with the best chance to read it)."""
        return max(self.views, key=lambda v: (v.width, v.confidence))

    @property
    def width(self) -> int:
        return self.widest.width

    @property
    def read(self) -> bool:
        return any(v.read for v in self.views)

    @property
    def confidence(self) -> float:
        return max(v.confidence for v in self.views)


class PassTracker:
    """Open passes per camera; `add` a frame's detections, get back the passes that ended."""

    def __init__(self, gap_seconds: float = PASS_GAP_SECONDS):
        self.gap = gap_seconds
        self._open: dict[str, list[Pass]] = defaultdict(list)

    def add(self, camera: str, time: float, views: list[PlateView]) -> list[Pass]:
        ended = self.expire(camera, time)
        taken: set[int] = set()
        for view in sorted(views, key=lambda v: -v.width):
            best, best_distance = None, math.inf
            for number, candidate in enumerate(self._open[camera]):
                last = candidate.views[-1]
                if number in taken or last.time >= time:
                    continue
                distance = math.dist(view.centre, last.centre)
                widths = REACH_WIDTHS + REACH_WIDTHS_PER_SECOND * (time - last.time)
                reach = max(view.width, last.width) * widths
                if distance <= reach and distance < best_distance:
                    best, best_distance = number, distance
            if best is None:
                self._open[camera].append(Pass(camera, [view]))
                best = len(self._open[camera]) - 1
            else:
                self._open[camera][best].views.append(view)
            taken.add(best)
        return ended

    def expire(self, camera: str, now: float) -> list[Pass]:
        """End the camera's passes not seen for more than the gap before `now`."""
        still, ended = [], []
        for candidate in self._open[camera]:
            (ended if now - candidate.last_seen > self.gap else still).append(candidate)
        self._open[camera] = still
        return ended

    def flush(self, camera: str | None = None) -> list[Pass]:
        """End every open pass (of one camera, or all): shutdown, or a camera that went quiet."""
        cameras = [camera] if camera is not None else list(self._open)
        ended: list[Pass] = []
        for name in cameras:
            ended += self._open.pop(name, [])
        return ended

    def open_passes(self, camera: str) -> list[Pass]:
        return list(self._open.get(camera, []))


# ---- the store's passes table (plates.db; plate_index.store creates it) ----

def insert_pass(conn: sqlite3.Connection, done: Pass) -> None:
    with conn:
        conn.execute(
            "INSERT INTO passes (camera, first_seen, last_seen, views, width, read, confidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (done.camera, done.first_seen, done.last_seen, len(done.views), done.width, int(done.read),
             round(done.confidence, 4)),
        )


@dataclass(frozen=True)
class PassFigures:
    """One camera's passes over a period."""

    seen: int
    read: int
    median_width: float | None  # px, over the passes' largest widths

    @property
    def share_read(self) -> float | None:
        return self.read / self.seen if self.seen else None


def pass_figures(conn: sqlite3.Connection, camera: str, since: float, until: float) -> PassFigures:
    """Passes first seen in [since, until) on `camera`."""
    rows = conn.execute(
        "SELECT width, read FROM passes WHERE camera = ? AND first_seen >= ? AND first_seen < ?",
        (camera, since, until),
    ).fetchall()
    widths = [row[0] for row in rows]
    return PassFigures(
        seen=len(rows),
        read=sum(1 for row in rows if row[1]),
        median_width=float(statistics.median(widths)) if widths else None,
    )
