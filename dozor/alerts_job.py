"""Watchlist alerts follow the plate data's retention: the daemon's plate-retention job deletes, from
web.db, the alerts of sightings older than `storage.retention_days`, unless a case hold keeps that
camera and time (like the sighting itself, plate_index.retention).

An alert names a sighting's plate, camera and time; kept for ever, it would be the plate read that
retention was meant to delete (the data-protection pack promises 14 days). The web UI shows none past
the retention horizon even before this job runs (webui.blueprints.watchlist).
"""

from __future__ import annotations

import logging

from accounts.watchlist import prune_alerts
from accounts.webdb import open_web_db
from edge.clock import Clock, to_epoch
from edge.clock_steps import AgeGuard
from edge.config import Config
from edge.layout import DataLayout
from recorder import holds

log = logging.getLogger(__name__)


def prune_watch_alerts(config: Config, clock: Clock, *, guard: AgeGuard | None = None) -> int:
    """Delete the alerts past retention that no hold keeps; returns how many."""
    layout = DataLayout(config.storage.path)
    if not layout.web_db.exists() or (guard is not None and not guard.allows()):
        return 0
    now = to_epoch(clock.now())
    kept = [(h.camera, h.start, h.end) for h in holds.active(layout, now)]
    conn = open_web_db(layout)
    try:
        deleted = prune_alerts(conn, now - config.storage.retention_days * 86400, kept)
    finally:
        conn.close()
    if deleted:
        log.info("deleted %d watchlist alert(s) older than the retention", deleted)
    return deleted
