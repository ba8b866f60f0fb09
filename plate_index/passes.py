"""Passes: each plate the detector follows across frames, read or not, for the site report and aiming.

A sighting exists only when the OCR read a plate; whether a camera is any good for plate reading is
the share of plates it sees that end up read. So plate reading also groups every detection into a
*pass* (one plate crossing the picture) and stores, per pass, when it was seen, its largest width in
pixels and whether any frame of it was read. No plate text is kept here: the site report that shows
these figures is handed to the community.

Grouping is by place and time, not text (an unread plate has none): each detection joins the open pass
of its camera nearest to where that pass should be by now (its last box moved on at its last speed),
if within reach. Reach is 1 plate width plus 3 per second once a pass has a speed; a pass seen once
has no speed yet, and a car crossing the picture can move 5 plate widths between two frames at 5
frames/s, so its first step may be up to 25 widths per second. A plate appearing where the previous
one entered is therefore a new pass, not a jump backwards. A pass ends when it was not seen for
PASS_GAP_SECONDS and PASS_GAP_FRAMES analysed frames. The aiming aid uses the same tracker.
"""

from __future__ import annotations

import json
import math
import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from recorder.holds import Hold, held_clause

PASS_GAP_SECONDS = 1.0
# ... and at least this many analysed frames of its camera without it: under load fewer frames are
# analysed (seconds apart), and time alone would cut one car into several passes.
PASS_GAP_FRAMES = 3
REACH_WIDTHS, REACH_WIDTHS_PER_SECOND = 1.0, 3.0
FIRST_STEP_WIDTHS_PER_SECOND = 25.0


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
    missed: int = 0  # analysed frames of the camera since its last view

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

    def __init__(self, gap_seconds: float = PASS_GAP_SECONDS, gap_frames: int = PASS_GAP_FRAMES):
        self.gap = gap_seconds
        self.gap_frames = gap_frames
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
                distance, reach = _distance_and_reach(candidate, view, time - last.time)
                if distance <= reach and distance < best_distance:
                    best, best_distance = number, distance
            if best is None:
                self._open[camera].append(Pass(camera, [view]))
                best = len(self._open[camera]) - 1
            else:
                self._open[camera][best].views.append(view)
            taken.add(best)
        for number, candidate in enumerate(self._open[camera]):
            candidate.missed = 0 if number in taken else candidate.missed + 1
        return ended

    def expire(self, camera: str, now: float) -> list[Pass]:
        """End the camera's passes not seen for more than the gap before `now` (in time and frames)."""
        still: list[Pass] = []
        ended: list[Pass] = []
        for candidate in self._open[camera]:
            gone = now - candidate.last_seen > self.gap and candidate.missed >= self.gap_frames
            (ended if gone else still).append(candidate)
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


def _distance_and_reach(candidate: Pass, view: PlateView, elapsed: float) -> tuple[float, float]:
    """How far `view` is from where the pass should be after `elapsed` seconds, and how far it may be."""
    last = candidate.views[-1]
    width = max(view.width, last.width)
    if len(candidate.views) == 1:
        reach = width * (REACH_WIDTHS + FIRST_STEP_WIDTHS_PER_SECOND * elapsed)
        return math.dist(view.centre, last.centre), reach
    before = candidate.views[-2]
    step = max(last.time - before.time, 1e-3)
    vx = (last.centre[0] - before.centre[0]) / step
    vy = (last.centre[1] - before.centre[1]) / step
    expected = (last.centre[0] + vx * elapsed, last.centre[1] + vy * elapsed)
    return math.dist(view.centre, expected), width * (REACH_WIDTHS + REACH_WIDTHS_PER_SECOND * elapsed)


# ---- the store's passes table (plates.db; plate_index.store creates it) ----

def insert_pass(conn: sqlite3.Connection, done: Pass) -> None:
    widest = done.widest
    with conn:
        conn.execute(
            "INSERT INTO passes (camera, first_seen, last_seen, views, width, read, confidence, seen, box)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (done.camera, done.first_seen, done.last_seen, len(done.views), done.width, int(done.read),
             round(done.confidence, 4), widest.time, json.dumps([int(v) for v in widest.box])),
        )


@dataclass(frozen=True)
class StoredPass:
    """A pass as the store keeps it; `seen` and `box` (its widest view) are None for passes stored
    before they were recorded."""

    id: int
    camera: str
    first_seen: float
    last_seen: float
    views: int
    width: int
    read: bool
    seen: float | None
    box: tuple[int, int, int, int] | None


def passes_between(
    conn: sqlite3.Connection, camera: str, since: float, until: float, *, limit: int, offset: int = 0,
    shown: Shown | None = None,
) -> list[StoredPass]:
    """`camera`'s passes first seen in [since, until) (and `shown`), in the order they happened, one
    page of them."""
    where, args = _window(camera, since, until, shown)
    rows = conn.execute(
        "SELECT id, camera, first_seen, last_seen, views, width, read, seen, box FROM passes"  # noqa: S608
        f" WHERE {where} ORDER BY first_seen, id LIMIT ? OFFSET ?",
        (*args, limit, offset),
    ).fetchall()
    return [_stored(row) for row in rows]


def count_passes(
    conn: sqlite3.Connection, camera: str, since: float, until: float, shown: Shown | None = None
) -> int:
    where, args = _window(camera, since, until, shown)
    return int(conn.execute(f"SELECT count(*) FROM passes WHERE {where}", args).fetchone()[0])  # noqa: S608


@dataclass(frozen=True)
class Shown:
    """Which passes a user may see: those first seen from `horizon` (the retention horizon), and older
    ones a case hold in `holds` still keeps (plate_index.store.prune keeps them too)."""

    horizon: float
    holds: Sequence[Hold] = ()


def _window(camera: str, since: float, until: float, shown: Shown | None) -> tuple[str, list[Any]]:
    where, args = "camera = ? AND first_seen >= ? AND first_seen < ?", [camera, since, until]
    if shown is not None:
        held, held_args = held_clause(shown.holds, "camera", "first_seen", "last_seen")
        where, args = f"{where} AND (first_seen >= ? OR {held})", [*args, shown.horizon, *held_args]
    return where, args


def get_pass(conn: sqlite3.Connection, pass_id: int) -> StoredPass | None:
    row = conn.execute(
        "SELECT id, camera, first_seen, last_seen, views, width, read, seen, box FROM passes WHERE id = ?",
        (pass_id,),
    ).fetchone()
    return _stored(row) if row else None


def _stored(row: Any) -> StoredPass:
    box = tuple(json.loads(row[8])) if row[8] else None
    return StoredPass(
        id=row[0], camera=row[1], first_seen=row[2], last_seen=row[3], views=row[4], width=row[5],
        read=bool(row[6]), seen=row[7], box=box if box and len(box) == 4 else None,
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


def sightings_of(conn: sqlite3.Connection, passes: list[StoredPass]) -> dict[int, tuple[int, str]]:
    """pass id -> (sighting id, plate) for passes the OCR read: the sighting of the same camera whose
    time overlaps the pass's (with a second's slack: the two are grouped separately)."""
    found: dict[int, tuple[int, str]] = {}
    for done in passes:
        if not done.read:
            continue
        row = conn.execute(
            "SELECT id, plate FROM sightings WHERE camera = ? AND first_seen <= ? AND last_seen >= ?"
            " ORDER BY abs(first_seen - ?) LIMIT 1",
            (done.camera, done.last_seen + 1.0, done.first_seen - 1.0, done.first_seen),
        ).fetchone()
        if row is not None:
            found[done.id] = (row[0], row[1])
    return found
