"""The segment catalog: which video exists (segments), which is missing and why (outages), camera status.

One SQLite file (WAL, `DataLayout.catalog_db`) written only by the recorder through `Catalog`; readers (web
UI, CLI) open their own read-only connection and use the module's query functions, which return plain
dataclasses with UTC datetimes. Times are REAL epoch seconds; segment paths are relative to
`storage.path`, so the data folder can move. The `segments.state` column says whether a file is still
being written ('recording': its end and size are refreshed every few seconds) or finished ('complete').
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from edge import db
from edge.clock import from_epoch, to_epoch
from edge.layout import DataLayout, UnsafePath
from recorder.holds import Hold, keep_clause
from recorder.reasons import Reason

MIGRATIONS = [
    """
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        start_ts REAL NOT NULL,
        end_ts REAL NOT NULL,
        path TEXT NOT NULL UNIQUE,
        bytes INTEGER NOT NULL DEFAULT 0,
        codec TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        audio_codec TEXT,
        state TEXT NOT NULL CHECK (state IN ('recording', 'complete'))
    );
    CREATE INDEX segments_by_camera ON segments (camera, start_ts);
    CREATE INDEX segments_by_start ON segments (start_ts);
    CREATE TABLE outages (
        id INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        start_ts REAL NOT NULL,
        end_ts REAL,
        reason TEXT NOT NULL
    );
    CREATE INDEX outages_by_camera ON outages (camera, start_ts);
    CREATE TABLE camera_status (
        camera TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('online', 'offline')),
        since_ts REAL NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        fps REAL NOT NULL DEFAULT 0,
        kbps REAL NOT NULL DEFAULT 0,
        last_packet_ts REAL,
        tap_drops INTEGER NOT NULL DEFAULT 0,
        updated_ts REAL NOT NULL
    );
    """,
]

# A status row not refreshed for this long means the recorder is not running.
STATUS_STALE_SECONDS = 30.0


@dataclass(frozen=True)
class Segment:
    id: int
    camera: str
    start: datetime
    end: datetime
    path: str  # relative to storage.path
    bytes: int
    codec: str  # "h264" or "hevc"
    width: int
    height: int
    audio_codec: str | None
    state: str  # "recording" or "complete"

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def file(self, layout: DataLayout) -> Path:
        """The file on disk, checked to lie inside the segments folder (UnsafePath otherwise)."""
        path = layout.inside(layout.root / self.path)
        if not path.is_relative_to(layout.segments_dir.resolve()):
            raise UnsafePath(self.path)
        return path


@dataclass(frozen=True)
class Outage:
    id: int
    camera: str
    start: datetime
    end: datetime | None  # None: still going on
    reason: Reason


@dataclass(frozen=True)
class CameraStatus:
    camera: str
    state: str  # "online" or "offline"
    since: datetime
    reason: Reason | None  # why offline (None when online)
    fps: float
    kbps: float
    last_packet: datetime | None
    tap_drops: int
    updated: datetime

    def is_stale(self, now: datetime) -> bool:
        """True when the recorder has not refreshed this row lately (it is not running)."""
        return (now - self.updated).total_seconds() > STATUS_STALE_SECONDS


def open_catalog(layout: DataLayout, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to the catalog; a writable one creates and migrates the database."""
    conn = db.connect(layout.catalog_db, readonly=readonly)
    if not readonly:
        db.migrate(conn, MIGRATIONS, "catalog")
    return conn


# ---- queries (any connection, read-only is enough) ----

def segments_between(
    conn: sqlite3.Connection, camera: str | None, start: datetime, end: datetime
) -> list[Segment]:
    """Segments overlapping [start, end), oldest first; camera None = all cameras."""
    sql = "SELECT * FROM segments WHERE start_ts < ? AND end_ts > ?"
    args: list[object] = [to_epoch(end), to_epoch(start)]
    if camera is not None:
        sql += " AND camera = ?"
        args.append(camera)
    return [_segment(r) for r in conn.execute(sql + " ORDER BY start_ts", args)]


def list_segments(conn: sqlite3.Connection, camera: str | None = None) -> list[Segment]:
    """Every segment (of one camera), oldest first."""
    if camera is None:
        rows = conn.execute("SELECT * FROM segments ORDER BY start_ts, camera")
    else:
        rows = conn.execute("SELECT * FROM segments WHERE camera = ? ORDER BY start_ts", (camera,))
    return [_segment(r) for r in rows]


def segment_by_id(conn: sqlite3.Connection, segment_id: int) -> Segment | None:
    row = conn.execute("SELECT * FROM segments WHERE id = ?", (segment_id,)).fetchone()
    return _segment(row) if row else None


def segment_at(conn: sqlite3.Connection, camera: str, moment: datetime) -> Segment | None:
    """The segment of `camera` that contains `moment`, or the next one after it (to jump to video)."""
    row = conn.execute(
        "SELECT * FROM segments WHERE camera = ? AND end_ts > ? ORDER BY start_ts LIMIT 1",
        (camera, to_epoch(moment)),
    ).fetchone()
    return _segment(row) if row else None


def outages_between(
    conn: sqlite3.Connection, camera: str | None, start: datetime, end: datetime
) -> list[Outage]:
    """Outages overlapping [start, end) (ongoing ones included), oldest first."""
    sql = "SELECT * FROM outages WHERE start_ts < ? AND (end_ts IS NULL OR end_ts > ?)"
    args: list[object] = [to_epoch(end), to_epoch(start)]
    if camera is not None:
        sql += " AND camera = ?"
        args.append(camera)
    return [_outage(r) for r in conn.execute(sql + " ORDER BY start_ts", args)]


def camera_statuses(conn: sqlite3.Connection) -> dict[str, CameraStatus]:
    """The last status the recorder wrote per camera (check `is_stale` before trusting it)."""
    return {r["camera"]: _status(r) for r in conn.execute("SELECT * FROM camera_status ORDER BY camera")}


def held_bytes(conn: sqlite3.Connection, holds: Sequence[Hold]) -> int:
    """Bytes of the finished segments some hold in `holds` covers."""
    if not holds:
        return 0
    covered = " OR ".join("(camera = ? AND start_ts < ? AND end_ts > ?)" for _ in holds)
    args = [value for hold in holds for value in (hold.camera, hold.end, hold.start)]
    sql = f"SELECT COALESCE(SUM(bytes), 0) FROM segments WHERE state = 'complete' AND ({covered})"  # noqa: S608
    row = conn.execute(sql, args).fetchone()
    return int(row[0])


def recorded_bytes(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(SUM(bytes), 0) FROM segments").fetchone()[0])


def oldest_recording(conn: sqlite3.Connection) -> datetime | None:
    """Start of the oldest segment still kept (the retention horizon the admin page shows)."""
    value = conn.execute("SELECT MIN(start_ts) FROM segments").fetchone()[0]
    return from_epoch(value) if value is not None else None


def _segment(r: sqlite3.Row) -> Segment:
    return Segment(
        id=r["id"], camera=r["camera"], start=from_epoch(r["start_ts"]), end=from_epoch(r["end_ts"]),
        path=r["path"], bytes=r["bytes"], codec=r["codec"], width=r["width"], height=r["height"],
        audio_codec=r["audio_codec"], state=r["state"],
    )


def _outage(r: sqlite3.Row) -> Outage:
    end = from_epoch(r["end_ts"]) if r["end_ts"] is not None else None
    start = from_epoch(r["start_ts"])
    return Outage(id=r["id"], camera=r["camera"], start=start, end=end, reason=Reason.parse(r["reason"]))


def _status(r: sqlite3.Row) -> CameraStatus:
    last = from_epoch(r["last_packet_ts"]) if r["last_packet_ts"] is not None else None
    return CameraStatus(
        camera=r["camera"], state=r["state"], since=from_epoch(r["since_ts"]),
        reason=Reason.parse(r["reason"]) if r["reason"] else None,
        fps=r["fps"], kbps=r["kbps"], last_packet=last, tap_drops=r["tap_drops"],
        updated=from_epoch(r["updated_ts"]),
    )


# ---- the writer (the recorder process only) ----

@dataclass(frozen=True)
class NewSegment:
    camera: str
    start: datetime
    path: str
    codec: str
    width: int
    height: int
    audio_codec: str | None


class Catalog:
    """The recorder's one writing connection, shared by the camera threads under a lock.

    Writes are a few per segment and per status tick, so one connection is plenty and keeps SQLite's
    locking trivial. SQLite errors (a full disk included) propagate; callers decide what they cost.
    """

    def __init__(self, layout: DataLayout):
        self.layout = layout
        self._conn = open_catalog(layout)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def read(self) -> sqlite3.Connection:
        """The connection, for the query functions above (use from one thread at a time, e.g. tests)."""
        return self._conn

    def _write(self, sql: str, args: Iterable[object] = ()) -> int:
        with self._lock, self._conn:
            return self._conn.execute(sql, tuple(args)).lastrowid or 0

    def add_segment(self, new: NewSegment) -> int:
        """A segment that starts being written now (state 'recording')."""
        start = to_epoch(new.start)
        return self._write(
            "INSERT INTO segments (camera, start_ts, end_ts, path, codec, width, height, audio_codec, state)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'recording')",
            (new.camera, start, start, new.path, new.codec, new.width, new.height, new.audio_codec),
        )

    def update_segment(
        self, segment_id: int, *, start: datetime, end: datetime, size: int, complete: bool = False
    ) -> None:
        """Refresh a segment's times and size; `complete` when its file is closed for good."""
        self._write(
            "UPDATE segments SET start_ts = ?, end_ts = ?, bytes = ?, state = ? WHERE id = ?",
            (to_epoch(start), max(to_epoch(end), to_epoch(start)), size,
             "complete" if complete else "recording", segment_id),
        )

    def add_recovered_segment(self, new: NewSegment, end: datetime, size: int) -> int:
        """A finished file found on disk without a row (start-up recovery)."""
        return self._write(
            "INSERT INTO segments (camera, start_ts, end_ts, path, bytes, codec, width, height, audio_codec,"
            " state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete')",
            (new.camera, to_epoch(new.start), to_epoch(end), new.path, size, new.codec, new.width,
             new.height, new.audio_codec),
        )

    def delete_segments(self, segment_ids: Iterable[int]) -> None:
        ids = [(i,) for i in segment_ids]
        with self._lock, self._conn:
            self._conn.executemany("DELETE FROM segments WHERE id = ?", ids)

    def segments_in_state(self, state: str) -> list[Segment]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM segments WHERE state = ? ORDER BY start_ts", (state,))
            return [_segment(r) for r in rows]

    def all_paths(self) -> dict[str, int]:
        """Every segment path -> its id (start-up reconciliation)."""
        with self._lock:
            return {r["path"]: r["id"] for r in self._conn.execute("SELECT id, path FROM segments")}

    def oldest_complete(
        self, limit: int, older_than: datetime | None = None, keep: Sequence[Hold] = ()
    ) -> list[Segment]:
        """The oldest finished segments across all cameras that no hold in `keep` covers (retention
        deletes from here)."""
        sql, args = "SELECT * FROM segments WHERE state = 'complete'", list[Any]()
        if older_than is not None:
            sql += " AND end_ts < ?"
            args.append(to_epoch(older_than))
        kept, kept_args = keep_clause(keep, "camera", "start_ts", "end_ts")
        sql, args = sql + kept, args + kept_args
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY start_ts LIMIT ?", (*args, limit))
            return [_segment(r) for r in rows]

    def total_bytes(self) -> int:
        with self._lock:
            return recorded_bytes(self._conn)

    def last_ids(self) -> tuple[int, int]:
        """The newest segment and outage ids: rows above them are written after this call."""
        with self._lock:
            return (self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM segments").fetchone()[0],
                    self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM outages").fetchone()[0])

    def shift_times(self, camera: str, after: tuple[int, int], seconds: float) -> tuple[int, int]:
        """Move the times of `camera`'s segments and outages newer than `after` (from `last_ids`) by
        `seconds`: the wall clock stepped and this run's video follows it. Returns the rows moved."""
        with self._lock, self._conn:
            moved = self._conn.execute(
                "UPDATE segments SET start_ts = start_ts + ?1, end_ts = end_ts + ?1"
                " WHERE camera = ?2 AND id > ?3",
                (seconds, camera, after[0]),
            ).rowcount
            outages = self._conn.execute(
                "UPDATE outages SET start_ts = start_ts + ?1, end_ts = end_ts + ?1"
                " WHERE camera = ?2 AND id > ?3",
                (seconds, camera, after[1]),
            ).rowcount
            return moved, outages

    def open_outage(self, camera: str, start: datetime, reason: Reason) -> int:
        return self._write(
            "INSERT INTO outages (camera, start_ts, reason) VALUES (?, ?, ?)",
            (camera, to_epoch(start), reason.stored()),
        )

    def close_outage(self, outage_id: int, end: datetime) -> None:
        self._write("UPDATE outages SET end_ts = MAX(start_ts, ?) WHERE id = ?", (to_epoch(end), outage_id))

    def close_open_outages(self, end: datetime) -> int:
        """Outages left open by a daemon that died: they end now (start-up)."""
        with self._lock, self._conn:
            cur = self._conn.execute(
                "UPDATE outages SET end_ts = MAX(start_ts, ?) WHERE end_ts IS NULL", (to_epoch(end),)
            )
            return cur.rowcount

    def delete_outages_before(self, moment: datetime) -> None:
        self._write("DELETE FROM outages WHERE end_ts IS NOT NULL AND end_ts < ?", (to_epoch(moment),))

    def set_status(self, status: CameraStatus) -> None:
        last = to_epoch(status.last_packet) if status.last_packet else None
        reason = status.reason.stored() if status.reason else ""
        self._write(
            "INSERT OR REPLACE INTO camera_status (camera, state, since_ts, reason, fps, kbps,"
            " last_packet_ts, tap_drops, updated_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (status.camera, status.state, to_epoch(status.since), reason, status.fps, status.kbps, last,
             status.tap_drops, to_epoch(status.updated)),
        )

    def forget_cameras_except(self, cameras: Iterable[str]) -> None:
        """Drop status rows of cameras no longer in the config (their video stays until retention)."""
        names = list(cameras)
        marks = ",".join("?" * len(names)) or "''"
        self._write(f"DELETE FROM camera_status WHERE camera NOT IN ({marks})", names)  # noqa: S608
