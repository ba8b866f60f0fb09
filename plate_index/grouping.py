"""From reads to sightings: one record per vehicle pass, however many frames read its plate.

A camera at 5 frames/s reads a passing plate 5-20 times, often with a character or two wrong. Reads on
the same camera less than `gap` seconds after a sighting's last read, with similar text (Levenshtein on
the confusable-folded text, via rapidfuzz), join that sighting; the plate text is then chosen by a
confidence-weighted vote per character among reads of the most likely length, and the other readings are
kept, most likely first, for tolerant search. Pure logic with times passed in, so tests need no clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz.distance import Levenshtein

from plate_index.direction import Direction, direction_of
from plate_index.normalise import fold

MAX_ALTERNATIVES = 3
# A passing car is in view for many frames; one unsure read with nothing like it around is a sign, a
# shop name or a far-away plate, and becomes no sighting (measured on the drive-by clips: such reads
# scored 0.53-0.69 while every real pass had >= 10 reads above 0.95).
LONE_READ_MIN_CONFIDENCE = 0.8
# Two readings of one plate differ by at most 2 characters in 7-8 (0.71); two different plates of one
# district (same letters, other digits) usually by 3-4 (<= 0.6).
MIN_SIMILARITY = 0.7
# Frames are read in the order the chooser picks them (plate_index/chooser.py), not in time order: a
# frame of a pass may be read up to ~10 s after a later frame closed its sighting. A closed sighting is
# kept this long (frame time) so such a read joins it instead of starting a second one for the pass.
REOPEN_SECONDS = 12.0


@dataclass(frozen=True)
class PlateRead:
    """One OCR result on one frame. `confidence` is the mean of `char_confidences`."""

    camera: str
    time: float  # epoch seconds UTC of the frame
    text: str  # normalised
    char_confidences: tuple[float, ...]
    confidence: float
    region: str | None = None
    region_confidence: float | None = None
    box: tuple[int, int, int, int] = (0, 0, 0, 0)
    frame_width: int = 0  # pixels across the frame the box is on (plate_index.direction)


@dataclass
class Sighting:
    """A vehicle pass being grouped or finished. `evidence` is the caller's payload (crop and scene
    pictures) of the most confident read so far."""

    camera: str
    reads: list[PlateRead] = field(default_factory=list)
    evidence: Any = None
    stored_id: int | None = None  # the store's row, once the worker made it searchable (still open)
    stored_evidence: Any = None  # the evidence whose pictures that row points to
    stored_paths: tuple[str | None, str | None] = (None, None)  # crop, scene (relative to storage.path)

    @property
    def credible(self) -> bool:
        """Worth storing: more than one read, or one confident read."""
        return len(self.reads) > 1 or self.confidence >= LONE_READ_MIN_CONFIDENCE

    @property
    def first_seen(self) -> float:
        return min(r.time for r in self.reads)  # reads may come out of order (the chooser picks frames)

    @property
    def last_seen(self) -> float:
        return max(r.time for r in self.reads)

    @property
    def confidence(self) -> float:
        return max(r.confidence for r in self.reads)

    @property
    def plate(self) -> str:
        return vote(self.reads)

    @property
    def direction(self) -> Direction:
        return direction_of(self.reads)

    @property
    def alternatives(self) -> list[str]:
        chosen = self.plate
        weight: dict[str, float] = defaultdict(float)
        for read in self.reads:
            if read.text != chosen:
                weight[read.text] += read.confidence
        ranked = sorted(weight, key=lambda text: (-weight[text], text))
        return ranked[:MAX_ALTERNATIVES]

    @property
    def region(self) -> tuple[str | None, float | None]:
        """The region most reads agree on (confidence-weighted) and its best confidence."""
        weight: dict[str, float] = defaultdict(float)
        best: dict[str, float] = {}
        for read in self.reads:
            if read.region:
                weight[read.region] += read.region_confidence or 0.0
                best[read.region] = max(best.get(read.region, 0.0), read.region_confidence or 0.0)
        if not weight:
            return None, None
        region = max(weight, key=lambda name: weight[name])
        return region, best[region]


def vote(reads: list[PlateRead]) -> str:
    """Confidence-weighted vote per character among the reads of the most likely length."""
    by_length: dict[int, float] = defaultdict(float)
    for read in reads:
        by_length[len(read.text)] += read.confidence
    length = max(by_length, key=lambda n: (by_length[n], n))
    scores: list[dict[str, float]] = [defaultdict(float) for _ in range(length)]
    for read in reads:
        if len(read.text) != length:
            continue
        for position, char in enumerate(read.text):
            known = position < len(read.char_confidences)
            scores[position][char] += read.char_confidences[position] if known else read.confidence
    return "".join(max(sorted(score), key=lambda ch: score[ch]) for score in scores)


def similarity(a: str, b: str) -> float:
    """1.0 for the same reading, lower as more characters differ (OCR confusables do not count)."""
    return Levenshtein.normalized_similarity(fold(a), fold(b))


class SightingGrouper:
    """Groups the reads of every camera of one worker; hands back finished sightings."""

    def __init__(self, gap_seconds: float):
        self.gap = gap_seconds
        self._open: dict[str, list[Sighting]] = defaultdict(list)
        self._closed: dict[str, list[Sighting]] = defaultdict(list)  # recently: a late read reopens one

    def add(self, read: PlateRead, evidence: Any = None) -> tuple[Sighting, list[Sighting]]:
        """File a read; returns the sighting it joined and the sightings it closed (older than the gap).
        `evidence` is kept when this read is the most confident of its sighting (a callable is called
        then, and its result kept: pictures are made only for the reads that need them). A read
        within the gap of a recently closed sighting of a similar plate (it came late) reopens that
        one; it is returned as finished again when it closes again."""
        finished = self.expire(read.camera, read.time)
        candidates = [
            (similarity(read.text, s.plate), s)
            for s in self._open[read.camera] + self._closed[read.camera]
            if read.time - s.last_seen <= self.gap and s.first_seen - read.time <= self.gap
        ]
        score, sighting = max(candidates, key=lambda c: c[0], default=(0.0, None))
        if sighting is None or score < MIN_SIMILARITY:
            sighting = Sighting(camera=read.camera)
            self._open[read.camera].append(sighting)
        elif sighting in self._closed[read.camera]:
            self._closed[read.camera].remove(sighting)
            self._open[read.camera].append(sighting)
        if not sighting.reads or read.confidence > sighting.confidence:
            sighting.evidence = evidence() if callable(evidence) else evidence
        sighting.reads.append(read)
        return sighting, finished

    def expire(self, camera: str, now: float) -> list[Sighting]:
        """Close the camera's sightings whose last read is more than the gap before `now`."""
        still: list[Sighting] = []
        done: list[Sighting] = []
        for sighting in self._open[camera]:
            (done if now - sighting.last_seen > self.gap else still).append(sighting)
        self._open[camera] = still
        self._remember(camera, done, now)
        return done

    def flush(self, camera: str | None = None) -> list[Sighting]:
        """Close every open sighting (of one camera, or all): on shutdown, or when a camera went quiet."""
        cameras = [camera] if camera is not None else list(self._open)
        done = []
        for name in cameras:
            closed = self._open.pop(name, [])
            self._remember(name, closed, max((s.last_seen for s in closed), default=0.0))
            done += closed
        return done

    def _remember(self, camera: str, closed: list[Sighting], now: float) -> None:
        kept = [s for s in self._closed[camera] if now - s.last_seen <= self.gap + REOPEN_SECONDS]
        self._closed[camera] = kept + closed

    def shift(self, camera: str, seconds: float) -> None:
        """The wall clock stepped: the camera's open sightings follow it, as its later reads will."""
        for sighting in self._open.get(camera, []) + self._closed.get(camera, []):
            sighting.reads = [replace(read, time=read.time + seconds) for read in sighting.reads]

    def open_cameras(self) -> list[str]:
        return [name for name, sightings in self._open.items() if sightings]
