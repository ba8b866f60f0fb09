"""The plate store: schema migrations, pruning with the video retention (rows and image files)."""

from __future__ import annotations

import pytest

from edge.db import SchemaTooNew
from edge.layout import DataLayout
from plate_index.search import search
from plate_index.store import MIGRATIONS, NewSighting, insert_sighting, open_store, prune


def test_new_store_is_migrated_to_the_latest_version_and_reopens(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    open_store(tmp_path / "plates.db").close()


def test_store_written_by_a_newer_dozor_is_refused(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade Dozor"):
        open_store(tmp_path / "plates.db")


def test_a_failing_migration_leaves_the_database_as_it_was_never_half_migrated(tmp_path):
    """Readers (the web UI opens plates.db read-only) see the old schema or the whole new one: the
    aiming page met "no such column: frames_spared" between two migrations of a store being created."""
    import sqlite3

    from edge.db import migrate

    conn = sqlite3.connect(tmp_path / "plates.db")
    steps = ["CREATE TABLE a (x INTEGER);", "ALTER TABLE a ADD COLUMN y INTEGER;",
             "SELECT no_such_function();"]
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, steps, "plates")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    assert migrate(conn, steps[:2], "plates") == 2
    assert [c[1] for c in conn.execute("PRAGMA table_info(a)")] == ["x", "y"]


def test_a_store_another_process_migrated_meanwhile_is_not_migrated_twice(tmp_path):
    """The daemon, the web UI and a `dozor watchlist` command may open plates.db at the same moment."""
    import sqlite3

    from edge.db import migrate

    path = tmp_path / "plates.db"

    class Late(sqlite3.Connection):
        """Reads the schema version, then another process migrates before this one takes the lock."""

        raced = False

        def execute(self, sql, *args):
            if sql == "PRAGMA user_version" and not self.raced:
                self.raced = True
                open_store(path).close()
                return super().execute("SELECT 0")
            return super().execute(sql, *args)

    conn = sqlite3.connect(path, factory=Late)
    assert migrate(conn, MIGRATIONS, "plates") == len(MIGRATIONS)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def _sighting(root, plate, t):
    crop = root / "plates" / "2026-03-01" / "cam" / f"{plate}-crop.jpg"
    scene = root / "plates" / "x" / f"{plate}.jpg"
    for path in (crop, scene):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"jpeg")
    return NewSighting(camera="cam", plate=plate, first_seen=t, last_seen=t + 1, confidence=0.9, reads=3,
                       alternatives=[plate[:-1] + "4"], crop_path=str(crop.relative_to(root)),
                       scene_path=str(scene.relative_to(root)))


def test_prune_deletes_old_sightings_their_keys_and_their_images(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    old = [_sighting(tmp_path, f"BE7{i:03d}AA", 1000 + i) for i in range(5)]
    new = _sighting(tmp_path, "BE7999AA", 5000)
    for s in [*old, new]:
        insert_sighting(conn, s)
    deleted = prune(conn, DataLayout(tmp_path), cutoff=2000, batch=2)
    assert deleted == 5
    assert [h.plate for h in search(conn, "BE7")] == ["BE7999AA"]
    assert conn.execute("SELECT count(*) FROM sighting_keys").fetchone()[0] == 3  # only the kept one's
    for s in old:
        assert not (tmp_path / s.crop_path).exists() and not (tmp_path / s.scene_path).exists()
    assert (tmp_path / new.crop_path).exists()


def test_prune_removes_emptied_day_folders_but_keeps_the_images_root(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    insert_sighting(conn, _sighting(tmp_path, "BE7000AA", 1000))
    prune(conn, DataLayout(tmp_path), cutoff=2000)
    assert not (tmp_path / "plates" / "2026-03-01").exists()
    assert (tmp_path / "plates").is_dir()


def test_retention_job_keeps_exactly_the_configured_days(tmp_path):
    from datetime import timedelta

    from edge.clock import ManualClock, to_epoch
    from edge.config import parse_config
    from plate_index.retention import prune_plates

    clock = ManualClock()
    config = parse_config({"storage": {"path": str(tmp_path), "retention_days": 14}})
    conn = open_store(DataLayout(tmp_path).plates_db)
    now = to_epoch(clock.now())
    insert_sighting(conn, _sighting(tmp_path, "BE7001AA", now - 15 * 86400))
    insert_sighting(conn, _sighting(tmp_path, "BE7002AA", now - 13 * 86400))
    assert prune_plates(config, clock) == 1
    assert [h.plate for h in search(conn, "BE7")] == ["BE7002AA"]
    clock.advance(timedelta(days=2).total_seconds())
    assert prune_plates(config, clock) == 1 and search(conn, "BE7") == []
