"""Raising watchlist alerts in the web UI: new sightings in plates.db checked against the watchlist in
web.db (accounts.watchlist), at most once a second, by whichever request asks first: the alert poll
every signed-in police officer's or admin's page makes every 2 s, or the alerts page. An alert is
therefore on screen within a poll or two of the read, with no thread of its own.

A sighting is stored at its first credible read and may be rewritten by later reads (a better plate
text), so sightings first seen in the last RECHECK are checked again; an entry raises one alert per
sighting at most. On the very first check, only that recent window is checked, not the whole store.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from flask import current_app

from accounts.watchlist import active_items, checked_up_to, set_checked_up_to, store_alert
from edge.clock import to_epoch
from webui.context import StoreMissing, ctx, plates_db, web_db

RECHECK = timedelta(minutes=2)
MIN_INTERVAL = 1.0  # seconds between two checks, whoever asks


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")


def refresh_alerts() -> int:
    """Check the sightings not checked yet; how many alerts were raised (0 if another request is
    checking right now, or one checked less than MIN_INTERVAL ago)."""
    from plate_index.watchlist import WatchEntry

    state: _State = current_app.extensions.setdefault("dozor_watch_alerts", _State())
    clock = ctx().clock
    if not state.lock.acquire(blocking=False):
        return 0
    try:
        if clock.monotonic() - state.checked_at < MIN_INTERVAL:
            return 0
        state.checked_at = clock.monotonic()
        web, now = web_db(), clock.now()
        try:
            plates = plates_db()
        except StoreMissing:
            return 0
        after = checked_up_to(web)
        recent = to_epoch(now - RECHECK)
        rows = plates.execute(
            "SELECT id, camera, plate, alternatives, first_seen FROM sightings "
            "WHERE id > ? OR first_seen >= ? ORDER BY id",
            (after if after is not None else 1 << 62, recent),
        ).fetchall()
        raised = 0
        entries = [WatchEntry(i.id, i.pattern, i.note, i.added) for i in active_items(web, now)]
        for sighting_id, camera, plate, alternatives, first_seen in rows:
            for entry in entries:
                match = entry.matches(plate, json.loads(alternatives))
                if match and store_alert(web, entry.id, (sighting_id, camera, plate, first_seen), match, now):
                    raised += 1
        if after is None:  # the first check: the recent window only, then on from the newest sighting
            after = plates.execute("SELECT max(id) FROM sightings").fetchone()[0] or 0
        set_checked_up_to(web, max([after, *(r[0] for r in rows)]))
        return raised
    finally:
        state.lock.release()
