"""Sightings into the store: searchable as soon as they are credible, completed when they are finished.

Grouping finishes a sighting only `lpr.sighting_gap_seconds` after its last read (a car still in view
may be read again), which with a 3-s pass made a car searchable 7 s or more after it appeared. So a
sighting is written as soon as it is credible (plate_index/grouping.py), with the pictures of its best
read so far, and rewritten when it is finished: the voted plate text, every alternative reading and
the best pictures (the first ones are deleted if a better read came); a late read that reopens it
rewrites it once more. Each write checks the watchlist (plate_index.watch_alerts): an alert is raised
at the first credible read, within a moment of it, and the finished text may still raise one for another
entry (one alert per entry and sighting). A daemon killed in between leaves the first version, which
is still a true sighting. Runs in the LPR worker process.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from edge.clock import Clock, to_epoch
from edge.layout import DataLayout

log = logging.getLogger(__name__)

ON_DISK = object()  # a finished sighting's evidence: its pictures are written, the arrays let go


class SightingWriter:
    def __init__(self, conn: sqlite3.Connection, layout: DataLayout, results: Any,
                 clock_shift: dict[str, float], clock: Clock):
        self.conn = conn
        self.layout = layout
        self.results = results  # the daemon's queue: ("sighting", camera) counts a new one
        self.clock_shift = clock_shift  # camera -> the clock shift of its latest frame (the worker's)
        self.clock = clock  # the alerts' time

    def publish(self, sighting: Any) -> None:
        """Make an open sighting searchable once it is credible (nothing to do before, or after)."""
        if sighting.stored_id is not None or not sighting.credible:
            return
        self._guarded(self._write, sighting, False)

    def finish(self, sighting: Any) -> None:
        if sighting.credible:
            self._guarded(self._write, sighting, True)
        # Grouping keeps finished sightings a while (a late read may reopen one): not their pictures.
        if sighting.evidence is sighting.stored_evidence:
            sighting.evidence = sighting.stored_evidence = ON_DISK

    def _guarded(self, write: Any, sighting: Any, finished: bool) -> None:
        try:
            write(sighting, finished)
        except Exception:  # disk full, locked database: lose this sighting, keep reading plates
            log.exception("could not store a sighting from camera %s", sighting.camera)

    def _write(self, sighting: Any, finished: bool) -> None:
        from plate_index.store import insert_sighting, update_sighting
        from plate_index.watch_alerts import raise_alerts

        record = self._record(sighting)
        if sighting.stored_id is None:
            sighting.stored_id = insert_sighting(self.conn, record)
            self.results.put(("sighting", sighting.camera))
        else:
            update_sighting(self.conn, sighting.stored_id, record)
        log.debug("sighting %d: %s on %s, %d reads%s", sighting.stored_id, record.plate, record.camera,
                  record.reads, "" if finished else " (open)")
        raise_alerts(self.conn, sighting.stored_id, record.camera, record.plate, record.alternatives,
                     record.first_seen, to_epoch(self.clock.now()))

    def _record(self, sighting: Any) -> Any:
        """The store's row for the sighting as it is now; pictures written when its best read changed."""
        from plate_index.images import write_sighting_images
        from plate_index.store import NewSighting

        paths = sighting.stored_paths
        if sighting.evidence is not sighting.stored_evidence:
            crop, scene = sighting.evidence or (None, None)
            new = write_sighting_images(self.layout, sighting.camera, sighting.first_seen, crop, scene)
            for old in paths:
                if old:
                    (self.layout.root / old).unlink(missing_ok=True)
            paths, sighting.stored_evidence = new, sighting.evidence
        sighting.stored_paths = paths
        region, region_confidence = sighting.region
        return NewSighting(
            camera=sighting.camera, plate=sighting.plate, first_seen=sighting.first_seen,
            last_seen=sighting.last_seen, confidence=sighting.confidence, reads=len(sighting.reads),
            alternatives=sighting.alternatives, region=region, region_confidence=region_confidence,
            crop_path=paths[0], scene_path=paths[1],
            clock_shift=self.clock_shift.get(sighting.camera, 0.0), direction=sighting.direction,
        )
