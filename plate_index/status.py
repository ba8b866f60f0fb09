"""LPR counters per camera, kept in plates.db's lpr_status table for `dozor status` and the admin page.

The daemon's LprService owns the numbers (frames analysed, skipped by the motion gate, dropped under
overload, spared because their car pass was already read well, reads, sightings, worker restarts) and
writes them every few seconds; readers get the last snapshot without talking to the daemon.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass


@dataclass
class CameraCounters:
    camera: str
    worker: int
    state: str = "starting"  # starting, running, restarting, disabled, stopped
    since: float = 0.0
    frames_analysed: int = 0
    frames_skipped_motion: int = 0
    frames_dropped: int = 0
    reads: int = 0
    frames_spared: int = 0
    sightings: int = 0
    worker_restarts: int = 0
    last_error: str = ""


_COLUMNS = tuple(CameraCounters.__dataclass_fields__)


def write_status(conn: sqlite3.Connection, counters: list[CameraCounters], now: float) -> None:
    rows = [(*(asdict(c)[name] for name in _COLUMNS), now) for c in counters]
    marks = ",".join("?" * (len(_COLUMNS) + 1))
    with conn:
        conn.executemany(
            f"INSERT OR REPLACE INTO lpr_status ({', '.join(_COLUMNS)}, updated) VALUES ({marks})", rows
        )


def read_status(conn: sqlite3.Connection) -> list[dict]:
    """The last snapshot, one dict per camera (times in epoch seconds UTC)."""
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)}, updated FROM lpr_status ORDER BY camera").fetchall()
    return [dict(zip((*_COLUMNS, "updated"), row, strict=True)) for row in rows]
