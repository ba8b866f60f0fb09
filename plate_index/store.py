"""The plate store: sightings, their search keys, the watchlist, alerts and LPR counters in plates.db.

SQLite in WAL mode (edge.db), schema versioned by `edge.db.migrate`. Times are REAL epoch seconds UTC.
Search does not scan sightings: every sighting has a few rows in `sighting_keys` (the normalised plate
as an exact key, the confusable-folded plate and alternative readings as tolerant keys), clustered by
(kind, first three characters, first_seen), so "the newest sightings starting with BH1" is one ordered
index range read with a LIMIT however common BH1 is. A second index on (kind, key) serves longer prefixes.
Key rows carry a small camera number, so a camera filter is checked in the same pages (no join).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from edge.db import connect, migrate
from edge.layout import DataLayout
from plate_index.direction import Direction
from plate_index.normalise import fold, normalise
from plate_index.outbox_schema import APPLIANCE_MIGRATION
from plate_index.outbox_schema import MIGRATION as OUTBOX_MIGRATION
from plate_index.wildcard import MIGRATION as WILDCARD_MIGRATION
from plate_index.wildcard import delete_grams, gram_rows, insert_grams
from recorder.holds import Hold, keep_clause

log = logging.getLogger(__name__)

EXACT, TOLERANT = 0, 1

MIGRATIONS: list[str] = [
    """
    CREATE TABLE sightings (
        id INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        plate TEXT NOT NULL,                  -- normalised text chosen by the per-character vote
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        confidence REAL NOT NULL,             -- best mean character confidence of its reads
        reads INTEGER NOT NULL,
        alternatives TEXT NOT NULL DEFAULT '[]',  -- JSON list of other readings, most likely first
        region TEXT,
        region_confidence REAL,
        crop_path TEXT,                       -- relative to storage.path
        scene_path TEXT
    );
    CREATE INDEX sightings_by_time ON sightings(first_seen);
    CREATE TABLE cameras (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE sighting_keys (
        kind INTEGER NOT NULL,                -- 0 exact (plate), 1 tolerant (folded plate, alternatives)
        key3 TEXT NOT NULL,                   -- first three characters of key
        first_seen REAL NOT NULL,
        sighting_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        camera_id INTEGER NOT NULL,           -- cameras.id of the sighting's camera
        PRIMARY KEY (kind, key3, first_seen, sighting_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX sighting_keys_by_key ON sighting_keys(kind, key);
    CREATE TABLE watchlist (
        id INTEGER PRIMARY KEY,
        pattern TEXT NOT NULL UNIQUE,         -- normalised plate, or with * and ? wildcards
        note TEXT NOT NULL DEFAULT '',
        added REAL NOT NULL
    );
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        raised REAL NOT NULL,
        sighting_id INTEGER NOT NULL,
        watchlist_id INTEGER,
        pattern TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        match TEXT NOT NULL,                  -- exact / tolerant
        camera TEXT NOT NULL,
        plate TEXT NOT NULL,
        first_seen REAL NOT NULL,
        acknowledged REAL
    );
    CREATE INDEX alerts_by_time ON alerts(raised);
    CREATE TABLE lpr_status (
        camera TEXT PRIMARY KEY,
        worker INTEGER NOT NULL,
        state TEXT NOT NULL,
        since REAL NOT NULL,
        updated REAL NOT NULL,
        frames_analysed INTEGER NOT NULL DEFAULT 0,
        frames_skipped_motion INTEGER NOT NULL DEFAULT 0,
        frames_dropped INTEGER NOT NULL DEFAULT 0,
        reads INTEGER NOT NULL DEFAULT 0,
        sightings INTEGER NOT NULL DEFAULT 0,
        worker_restarts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT ''
    );
    """,
    # The wall-clock steps (seconds) a sighting's times have followed within its daemon run: a step of
    # the clock moves the run's sightings with its video (follow_clock_shift).
    """
    ALTER TABLE sightings ADD COLUMN clock_shift REAL NOT NULL DEFAULT 0;
    """,
    # Every plate the detector followed, read or not, without its text (plate_index.passes): the site
    # report's "passes seen, plates read, median width".
    """
    CREATE TABLE passes (
        id INTEGER PRIMARY KEY,
        camera TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        views INTEGER NOT NULL,               -- frames the plate was detected on
        width INTEGER NOT NULL,               -- its largest width in pixels
        read INTEGER NOT NULL,                -- 1 when some frame of it was read
        confidence REAL NOT NULL              -- the best OCR confidence of its frames
    );
    CREATE INDEX passes_by_camera ON passes(camera, first_seen);
    """,
    # Frames the chooser did not send to the models because their car pass was already read well.
    """
    ALTER TABLE lpr_status ADD COLUMN frames_spared INTEGER NOT NULL DEFAULT 0;
    """,
    # Search keys by trigrams, for wildcard queries that start with * or ? (plate_index.wildcard).
    WILDCARD_MIGRATION,
    # Where and when a pass's plate was widest, so that police can see its picture cut from the video
    # (webui.pass_pictures) when they know the place and the hour but not the plate.
    """
    ALTER TABLE passes ADD COLUMN seen REAL;  -- the moment of its widest view (epoch s)
    ALTER TABLE passes ADD COLUMN box TEXT;   -- its box then, JSON [x1, y1, x2, y2] in the frame's pixels
    """,
    # Which way the car went (plate_index.direction.Direction): sightings stored before are 'unknown'.
    """
    ALTER TABLE sightings ADD COLUMN direction TEXT NOT NULL DEFAULT 'unknown';
    """,
    # One watchlist for the CLI and the web UI (plate_index.watchlist): who added each entry and until
    # when; a removed entry stays, with who removed it, so an alert always names its entry; who
    # acknowledged each alert. Entries added with the CLI before come over as added by "cli", kept until
    # removed. `carried_from` names an entry the web UI kept in web.db (plate_index.watchlist_carry).
    """
    CREATE TABLE watchlist_v8 (
        id INTEGER PRIMARY KEY,
        pattern TEXT NOT NULL,                -- normalised plate, or with * and ? wildcards
        note TEXT NOT NULL DEFAULT '',
        added_by TEXT NOT NULL,               -- a web UI user, or cli:<person>
        added REAL NOT NULL,
        expires REAL,                         -- NULL: until removed
        removed REAL,
        removed_by TEXT,
        carried_from TEXT UNIQUE
    );
    INSERT INTO watchlist_v8 (id, pattern, note, added_by, added)
        SELECT id, pattern, note, 'cli', added FROM watchlist;
    DROP TABLE watchlist;
    ALTER TABLE watchlist_v8 RENAME TO watchlist;
    CREATE INDEX watchlist_by_pattern ON watchlist(pattern);
    ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
    CREATE INDEX alerts_by_sighting ON alerts(sighting_id, watchlist_id);
    """,
    # The outbox of sightings to ship to the shared index (plate_index.outbox), queued by triggers.
    OUTBOX_MIGRATION,
    # Which appliance ships them, and under which name it last did (plate_index.outbox).
    APPLIANCE_MIGRATION,
]


@dataclass
class NewSighting:
    """A finished sighting as grouping hands it to the store (times in epoch seconds UTC)."""

    camera: str
    plate: str
    first_seen: float
    last_seen: float
    confidence: float
    reads: int
    alternatives: list[str] = field(default_factory=list)
    region: str | None = None
    region_confidence: float | None = None
    crop_path: str | None = None
    scene_path: str | None = None
    clock_shift: float = 0.0  # the frames' FrameTap.clock_shift
    direction: str = Direction.UNKNOWN  # plate_index.direction.Direction



def open_store(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to plates.db, migrated to the current schema (read-only connections are not)."""
    conn = connect(path, readonly=readonly)
    if not readonly:
        migrate(conn, MIGRATIONS, "plates")
    return conn


def search_keys(plate: str, alternatives: Sequence[str]) -> list[tuple[int, str]]:
    """(kind, key) pairs under which a sighting is found: its plate exactly, and the folded plate and
    folded alternatives tolerantly. Keys shorter than three characters are not searchable."""
    keys = [(EXACT, plate)] if len(plate) >= 3 else []
    tolerant = {fold(text) for text in (plate, *alternatives) if len(text) >= 3}
    keys += [(TOLERANT, key) for key in sorted(tolerant)]
    return keys


def _key_rows(
    sighting_id: int, first_seen: float, plate: str, alternatives: Sequence[str], camera_id: int
) -> list[tuple]:
    keys = search_keys(plate, alternatives)
    return [(kind, key[:3], first_seen, sighting_id, key, camera_id) for kind, key in keys]


def camera_id(conn: sqlite3.Connection, name: str, *, create: bool = True) -> int | None:
    """The store's small number for a camera name (created on first use), None if unknown."""
    row = conn.execute("SELECT id FROM cameras WHERE name = ?", (name,)).fetchone()
    if row is None and create:
        return int(conn.execute("INSERT INTO cameras (name) VALUES (?)", (name,)).lastrowid or 0)
    return int(row[0]) if row else None


_INSERT_SIGHTING = (
    "INSERT INTO sightings (id, camera, plate, first_seen, last_seen, confidence, reads, alternatives, "
    "region, region_confidence, crop_path, scene_path, clock_shift, direction) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_INSERT_KEY = (
    "INSERT OR IGNORE INTO sighting_keys (kind, key3, first_seen, sighting_id, key, camera_id) "
    "VALUES (?,?,?,?,?,?)"
)
_DELETE_KEY = "DELETE FROM sighting_keys WHERE kind=? AND key3=? AND first_seen=? AND sighting_id=? AND key=?"


def insert_sighting(conn: sqlite3.Connection, sighting: NewSighting) -> int:
    """Store one sighting and its search keys in one transaction; returns its id."""
    plate = normalise(sighting.plate)
    alternatives = [normalise(a) for a in sighting.alternatives]
    with conn:
        number = camera_id(conn, sighting.camera) or 0
        cursor = conn.execute(_INSERT_SIGHTING, (None, *_sighting_values(sighting, plate, alternatives)))
        sighting_id = int(cursor.lastrowid or 0)
        keys = _key_rows(sighting_id, sighting.first_seen, plate, alternatives, number)
        conn.executemany(_INSERT_KEY, keys)
        insert_grams(conn, *gram_rows(sighting_id, search_keys(plate, alternatives)))
    return sighting_id


def update_sighting(conn: sqlite3.Connection, sighting_id: int, sighting: NewSighting) -> None:
    """Rewrite a stored sighting that grouping has since finished (more reads, maybe another plate text
    or first time), with its search keys, in one transaction."""
    plate = normalise(sighting.plate)
    alternatives = [normalise(a) for a in sighting.alternatives]
    with conn:
        row = conn.execute("SELECT plate, alternatives, first_seen FROM sightings WHERE id = ?",
                           (sighting_id,)).fetchone()
        if row is None:  # pruned meanwhile (a full disk): store it anew
            conn.execute(_INSERT_SIGHTING, (sighting_id, *_sighting_values(sighting, plate, alternatives)))
        else:
            old = search_keys(row[0], json.loads(row[1]))
            conn.executemany(_DELETE_KEY, [(kind, key[:3], row[2], sighting_id, key) for kind, key in old])
            conn.execute(
                "UPDATE sightings SET camera=?, plate=?, first_seen=?, last_seen=?, confidence=?, reads=?, "
                "alternatives=?, region=?, region_confidence=?, crop_path=?, scene_path=?, clock_shift=?, "
                "direction=? WHERE id=?",
                (*_sighting_values(sighting, plate, alternatives), sighting_id),
            )
        keys = _key_rows(sighting_id, sighting.first_seen, plate, alternatives,
                         camera_id(conn, sighting.camera) or 0)
        conn.executemany(_INSERT_KEY, keys)
        delete_grams(conn, [sighting_id])
        insert_grams(conn, *gram_rows(sighting_id, search_keys(plate, alternatives)))


def insert_many(conn: sqlite3.Connection, sightings: Iterable[NewSighting], first_id: int) -> int:
    """Bulk insert with explicit ids from `first_id` (the benchmark's 5 million rows); the caller holds
    the transaction. Returns the next free id."""
    next_id = first_id
    rows, keys, exact_grams, tolerant_grams = [], [], [], []
    numbers: dict[str, int] = {}
    for sighting in sightings:
        plate = normalise(sighting.plate)
        alternatives = [normalise(a) for a in sighting.alternatives]
        if sighting.camera not in numbers:
            numbers[sighting.camera] = camera_id(conn, sighting.camera) or 0
        rows.append((next_id, *_sighting_values(sighting, plate, alternatives)))
        keys += _key_rows(next_id, sighting.first_seen, plate, alternatives, numbers[sighting.camera])
        exact, tolerant = gram_rows(next_id, search_keys(plate, alternatives))
        exact_grams += exact
        tolerant_grams += tolerant
        next_id += 1
    conn.executemany(_INSERT_SIGHTING, rows)
    conn.executemany(_INSERT_KEY, keys)
    insert_grams(conn, exact_grams, tolerant_grams)
    return next_id


def _sighting_values(s: NewSighting, plate: str, alternatives: list[str]) -> tuple:
    return (
        s.camera, plate, s.first_seen, s.last_seen, s.confidence, s.reads, json.dumps(alternatives),
        s.region, s.region_confidence, s.crop_path, s.scene_path, s.clock_shift, str(s.direction),
    )


def last_sighting_id(conn: sqlite3.Connection) -> int:
    """The newest sighting id: rows above it are written after this call (a daemon run's own)."""
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM sightings").fetchone()[0])


def follow_clock_shift(conn: sqlite3.Connection, camera: str, after_id: int, clock_shift: float) -> int:
    """Move `camera`'s sightings above `after_id` (this run's) onto the time of `clock_shift`, the total
    of the wall-clock steps the recorder's frames now carry, as the recorder moved the run's video
    (recorder/camera_recorder.py); their search keys and alerts follow. Idempotent: each row knows the
    shift it has followed. Returns the number of sightings moved."""
    with conn:
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM sightings WHERE camera = ? AND id > ? AND clock_shift != ?",
            (camera, after_id, clock_shift),
        )]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            conn.execute(
                f"UPDATE sightings SET first_seen = first_seen + (?1 - clock_shift),"  # noqa: S608 - marks only
                f" last_seen = last_seen + (?1 - clock_shift), clock_shift = ?1 WHERE id IN ({marks})",
                (clock_shift, *chunk),
            )
            for table in ("sighting_keys", "alerts"):
                conn.execute(
                    f"UPDATE {table} SET first_seen = (SELECT first_seen FROM sightings s"  # noqa: S608
                    f" WHERE s.id = {table}.sighting_id) WHERE sighting_id IN ({marks})",
                    chunk,
                )
    return len(ids)


def passes_by_plate(conn: sqlite3.Connection, since: float, until: float) -> Iterator[tuple[str, str, float]]:
    """(plate, camera, first_seen) of every sighting in [since, until), ordered by plate then time:
    what camera-effectiveness reports need, read in one pass without loading the store."""
    yield from conn.execute(
        "SELECT plate, camera, first_seen FROM sightings WHERE first_seen >= ? AND first_seen < ?"
        " ORDER BY plate, first_seen",
        (since, until),
    )


def prune(
    conn: sqlite3.Connection,
    layout: DataLayout,
    cutoff: float,
    *,
    batch: int = 2000,
    keep: Sequence[Hold] = (),
) -> int:
    """Delete sightings first seen before `cutoff` (epoch s), their keys, crop and scene files and
    watchlist alerts, and passes seen and watchlist entries ended before it; sightings and passes a
    case hold in `keep` covers stay, the sightings with their pictures and alerts (an alert names the
    sighting's plate, camera and time: it goes when the sighting does, never before or after). Works
    in batches so the LPR worker is never blocked for long. Returns the number of sightings deleted."""
    deleted = 0
    kept, kept_args = keep_clause(keep, "camera", "first_seen", "last_seen")
    while True:
        rows = conn.execute(
            "SELECT id, plate, first_seen, alternatives, crop_path, scene_path FROM sightings "  # noqa: S608
            f"WHERE first_seen < ?{kept} ORDER BY first_seen LIMIT ?",
            (cutoff, *kept_args, batch),
        ).fetchall()
        if not rows:
            break
        keys = []
        for row in rows:
            keys += [
                (kind, key[:3], row["first_seen"], row["id"], key)
                for kind, key in search_keys(row["plate"], json.loads(row["alternatives"]))
            ]
        ids = [(row["id"],) for row in rows]
        with conn:
            conn.executemany(_DELETE_KEY, keys)
            conn.executemany("DELETE FROM sightings WHERE id=?", ids)
            conn.executemany("DELETE FROM alerts WHERE sighting_id=?", ids)
            delete_grams(conn, [row["id"] for row in rows])
        for row in rows:
            for relative in (row["crop_path"], row["scene_path"]):
                if relative:
                    _remove(layout.root / relative, layout.plate_images_dir)
        deleted += len(rows)
    with conn:
        # Alerts past the cutoff whose sighting was already gone (carried over from web.db, or kept by a
        # store older than this rule); a held sighting's alerts stay with it.
        conn.execute(
            "DELETE FROM alerts WHERE first_seen < ? AND sighting_id NOT IN (SELECT id FROM sightings)",
            (cutoff,),
        )
        # A pass a hold covers stays like the held sighting: its picture is cut from the held video.
        conn.execute(f"DELETE FROM passes WHERE first_seen < ?{kept}", (cutoff, *kept_args))  # noqa: S608
        # Watchlist entries removed or expired before the cutoff go once no alert names them.
        conn.execute(
            "DELETE FROM watchlist WHERE COALESCE(removed, expires) < ? AND id NOT IN "
            "(SELECT watchlist_id FROM alerts WHERE watchlist_id IS NOT NULL)",
            (cutoff,),
        )
    if deleted:
        log.info("pruned %d plate sightings older than the retention", deleted)
    return deleted


def _remove(path: Path, images_root: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("cannot delete plate image %s: %s", path, exc.strerror)
        return
    # Drop the camera and day folders (plates/<day>/<camera>/) once empty, so old days leave nothing.
    for parent in list(path.parents)[:2]:
        if parent == images_root or not parent.is_relative_to(images_root):
            break
        try:
            parent.rmdir()
        except OSError:
            break
