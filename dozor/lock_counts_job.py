"""The daemon's minute job that writes the counts of sign-in locks that are over to the audit log
(accounts.lock_counts), so that the log, which a published transparency report anchors, holds every
refused sign-in within a minute of its lock's end, even when nobody signs in again to write it."""

from __future__ import annotations

import logging

from accounts.lock_counts import write_ended
from accounts.webdb import open_web_db
from edge.clock import Clock
from edge.layout import DataLayout

log = logging.getLogger(__name__)
LOCK_COUNTS_SECONDS = 60.0


def write_ended_locks(layout: DataLayout, clock: Clock) -> int:
    """Write the counts of the locks that are over; returns how many (0 before there is a web.db)."""
    if not layout.web_db.exists():
        return 0
    conn = open_web_db(layout)
    try:
        ended = write_ended(conn, clock)
    finally:
        conn.close()
    if ended:
        log.info("%d sign-in lock(s) ended: their refused attempts are in the audit log", len(ended))
    return len(ended)
