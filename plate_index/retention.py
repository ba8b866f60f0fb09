"""Plate data retention: sightings, their crops and scenes, and alerts go when the video they came from
goes: by age (`storage.retention_days`, held back after a forward clock step like the video's, see
edge.clock_steps), and also when the recorder deleted video early to keep the disk from filling (cap or
free space), so plate pictures never outlive their video nor keep a full disk full. Run by the daemon's
scheduler every few minutes and right after the recorder deleted segments. Sightings and pictures that a
case hold covers (recorder.holds) stay, like the held video.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing

from edge.clock import Clock, SystemClock, to_epoch
from edge.clock_steps import AgeGuard
from edge.config import Config
from edge.layout import DataLayout
from plate_index.store import open_store, prune
from recorder import holds

log = logging.getLogger(__name__)

# A sighting goes with its video: first seen before the oldest segment left (less a margin).
VIDEO_MARGIN_SECONDS = 2.0  # wall-clock anchors settle within a second


def prune_plates(config: Config, clock: Clock | None = None, *, guard: AgeGuard | None = None) -> int:
    """Delete plate data older than the retention or than the oldest video; returns the number of
    sightings deleted."""
    layout = DataLayout(config.storage.path)
    if not layout.plates_db.exists():
        return 0
    cutoff = 0.0
    if guard is None or guard.allows():
        cutoff = to_epoch((clock or SystemClock()).now()) - config.storage.retention_days * 86400
    oldest = oldest_video(layout)
    if oldest is not None:
        cutoff = max(cutoff, oldest - VIDEO_MARGIN_SECONDS)
    if cutoff <= 0:
        return 0
    held = holds.active(layout, to_epoch((clock or SystemClock()).now()))
    conn = open_store(layout.plates_db)
    try:
        return prune(conn, layout, cutoff, keep=held)
    finally:
        conn.close()


def oldest_video(layout: DataLayout) -> float | None:
    """Start (epoch s) of the oldest recorded segment, None when there is no video at all (then only the
    age rule applies: an empty catalog must never make all plate data look older than the video)."""
    if not layout.catalog_db.exists():
        return None
    from recorder.catalog import open_catalog

    try:
        with closing(open_catalog(layout, readonly=True)) as conn:
            return conn.execute("SELECT MIN(start_ts) FROM segments").fetchone()[0]
    except sqlite3.Error as exc:
        log.warning("plate retention cannot read the segment catalog: %s", exc)
        return None
