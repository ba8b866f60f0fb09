"""Plate data retention: sightings, their crops and scenes, and alerts go when the video of the same
day goes (`storage.retention_days`). Called by the daemon's scheduler beside the segment retention job.
"""

from __future__ import annotations

from edge.clock import Clock, SystemClock, to_epoch
from edge.config import Config
from edge.layout import DataLayout
from plate_index.store import open_store, prune


def prune_plates(config: Config, clock: Clock | None = None) -> int:
    """Delete plate data older than the retention; returns the number of sightings deleted."""
    layout = DataLayout(config.storage.path)
    if not layout.plates_db.exists():
        return 0
    cutoff = to_epoch((clock or SystemClock()).now()) - config.storage.retention_days * 86400
    conn = open_store(layout.plates_db)
    try:
        return prune(conn, layout, cutoff)
    finally:
        conn.close()
