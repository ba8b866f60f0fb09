"""Which car passes of the soak were read, and how soon each became searchable, from the clips' truth.

Every camera's stream starts at the first frame of its clip (the RTSP test server starts each connection
at the clip's beginning, and the recorder's first segment at that first keyframe), and the clip loops,
so the wall time of every pass is known from the camera's first segment. A pass counts as read when a
sighting of that camera resembling the pass's car more than any other car of the clip (the grouping's
similarity, >= 0.5, as tests/plate_clips.score) was first seen while the car was in view (±1 s for the
anchoring of stream time). `SightingWatch` looks at plates.db every half second, as a search would, and
notes when each sighting became visible: a pass's latency is from the car's first frame to that moment.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from plate_clips import DriveByClip

from edge.clock import to_epoch
from plate_index.grouping import similarity

SLACK = 1.0  # seconds: frame times are anchored to arrival; a pass's edges are blurred by that much
POLL_SECONDS = 0.5


class SightingWatch:
    """Polls plates.db for new sightings and notes the wall time each first became visible."""

    def __init__(self, plates_db: Path):
        self.path = plates_db
        self.visible: dict[int, float] = {}  # sighting id -> epoch seconds it was first seen in the store
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sighting-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        last = 0
        while not self._stop.wait(POLL_SECONDS):
            if not self.path.exists():
                continue
            try:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=1)
                try:
                    rows = conn.execute("SELECT id FROM sightings WHERE id > ?", (last,)).fetchall()
                finally:
                    conn.close()
            except sqlite3.Error:
                continue
            now = time.time()
            for (sighting_id,) in rows:
                self.visible.setdefault(sighting_id, now)
                last = max(last, sighting_id)


@dataclass
class PassFigures:
    passes: int = 0
    read: int = 0
    latencies: list[float] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # "camera plate +seconds" of passes not read

    @property
    def share(self) -> float:
        return self.read / self.passes if self.passes else 0.0

    def latency(self, quantile: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(quantile * (len(ordered) - 1)))]


def pass_figures(
    clips: dict[str, DriveByClip], stream_starts: dict[str, datetime], sightings: list[tuple],
    visible: dict[int, float], window: tuple[datetime, datetime], settle: float,
) -> PassFigures:
    """Passes that started in the window and ended `settle` seconds before its end; `sightings` are
    (id, camera, plate, first_seen) rows of plates.db."""
    figures = PassFigures()
    begin, end = to_epoch(window[0]), to_epoch(window[1]) - settle
    by_camera: dict[str, list[tuple[int, str, float]]] = {}
    for sighting_id, camera, plate, first_seen in sightings:
        cars = {p.plate for p in clips.get(camera, DriveByClip(Path(), (), 1.0)).passes}
        if not cars:
            continue
        best = max(cars, key=lambda car: similarity(plate, car))
        if similarity(plate, best) >= 0.5:
            by_camera.setdefault(camera, []).append((sighting_id, best, first_seen))
    for camera, clip in clips.items():
        if camera not in stream_starts or not clip.passes:
            continue
        origin = to_epoch(stream_starts[camera])
        loop = 0
        while origin + loop * clip.duration < end:
            for car in clip.passes:
                start = origin + loop * clip.duration + car.start
                stop = start + car.end - car.start
                if start < begin or stop > end:
                    continue
                figures.passes += 1
                matches = [visible.get(sid) for sid, plate, seen in by_camera.get(camera, [])
                           if plate == car.plate and start - SLACK <= seen <= stop + SLACK]
                if matches:
                    figures.read += 1
                    shown = [t for t in matches if t is not None]
                    if shown:
                        figures.latencies.append(min(shown) - start)
                else:
                    figures.unread.append(f"{camera} {car.plate} +{start - begin:.0f}s")
            loop += 1
    return figures
