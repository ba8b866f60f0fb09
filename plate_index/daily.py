"""Plate reads counted per day, without their text: the transparency report's "reads per day".

A read here is a sighting (one vehicle pass whose plate was read), the unit the store keeps and police
search; days are the appliance's local days, as the community counts them.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, datetime


def reads_per_day(conn: sqlite3.Connection, since: datetime, until: datetime) -> dict[date, int]:
    """Sightings first seen in [since, until), by local day; days without any are absent."""
    rows = conn.execute(
        "SELECT first_seen FROM sightings WHERE first_seen >= ? AND first_seen < ?",
        (since.timestamp(), until.timestamp()),
    )
    return dict(Counter(datetime.fromtimestamp(first_seen).astimezone().date() for (first_seen,) in rows))
