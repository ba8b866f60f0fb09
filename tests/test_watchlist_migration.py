"""Two watchlists became one (plates.db): the CLI's entries and alerts of plates.db schema 6 are kept by
migration 8, and whatever the web UI kept in web.db (migration 5) is carried over into plates.db and
emptied out of web.db, once, with who added, removed and acknowledged what. Nothing is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import to_epoch
from edge.db import connect, migrate
from edge.layout import DataLayout
from plate_index.normalise import BadQuery
from plate_index.store import MIGRATIONS, open_store
from plate_index.watch_alerts import list_alerts, raise_alerts
from plate_index.watchlist import active_entries, add_entry, open_watchlist
from plate_index.watchlist_carry import carry_web_watchlist

NOW = datetime(2026, 12, 1, 20, tzinfo=UTC)
T = to_epoch(NOW)


def old_plate_store(layout: DataLayout) -> None:
    """plates.db as the CLI's watchlist left it: schema 6 (before the direction of travel, migration 7),
    two entries, an alert of a deleted one."""
    conn = connect(layout.plates_db)
    migrate(conn, MIGRATIONS[:6], "plates")
    with conn:
        conn.execute("INSERT INTO watchlist (id, pattern, note, added) VALUES (1, 'BH12*', 'wanted', ?)",
                     (T - 86400,))
        conn.execute("INSERT INTO watchlist (id, pattern, note, added) VALUES (4, 'AA1234BB', '', ?)", (T,))
        conn.execute(
            "INSERT INTO alerts (raised, sighting_id, watchlist_id, pattern, note, match, camera, plate, "
            "first_seen) VALUES (?, 9, 3, 'KA7*', 'gone', 'exact', 'gate', 'KA7001AI', ?)", (T - 60, T - 61)
        )
    conn.close()


def old_web_watchlist(layout: DataLayout, t: float = T) -> None:
    """web.db as the web UI's own watchlist left it at `t`: an active entry with an acknowledged alert, a
    removed one with an open alert."""
    conn = open_web_db(layout)
    with conn:
        conn.execute("INSERT INTO watch_entries (id, pattern, note, added_by, added, expires) "
                     "VALUES (1, 'BE7*XA', 'сірий Ланос', 'police', ?, ?)", (t - 3600, t + 7 * 86400))
        conn.execute("INSERT INTO watch_entries (id, pattern, note, added_by, added, expires, removed, "
                     "removed_by) VALUES (2, 'CE55*', '', 'admin', ?, ?, ?, 'admin')",
                     (t - 7200, t + 86400, t - 100))
        conn.execute("INSERT INTO watch_alerts (entry_id, sighting_id, camera, plate, match, first_seen, "
                     "raised, acknowledged, acknowledged_by) VALUES (1, 11, 'school', 'BE7901XA', 'exact', "
                     "?, ?, ?, 'police')", (t - 500, t - 499, t - 400))
        conn.execute("INSERT INTO watch_alerts (entry_id, sighting_id, camera, plate, match, first_seen, "
                     "raised) VALUES (2, 12, 'gate', 'CE5512AB', 'tolerant', ?, ?)", (t - 300, t - 299))
    conn.close()


def test_plates_db_migration_8_keeps_the_clis_entries_and_alerts(tmp_path):
    layout = DataLayout(tmp_path)
    old_plate_store(layout)
    conn = open_store(layout.plates_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    entries = active_entries(conn, NOW + timedelta(days=3650))
    assert [(e.id, e.pattern, e.note, e.added_by, e.expires) for e in entries] == [
        (4, "AA1234BB", "", "cli", None), (1, "BH12*", "wanted", "cli", None)
    ]
    (alert,) = list_alerts(conn)
    assert (alert.plate, alert.pattern, alert.note, alert.acknowledged) == ("KA7001AI", "KA7*", "gone", None)
    assert raise_alerts(conn, 10, "gate", "BH1299XX", [], T, T) == 1  # the kept entries still raise


def test_the_web_uis_watchlist_is_carried_into_plates_db_once_and_web_db_emptied(tmp_path):
    layout = DataLayout(tmp_path)
    old_plate_store(layout)
    old_web_watchlist(layout)
    conn = open_watchlist(layout)
    entries = {e.pattern: e for e in active_entries(conn, NOW)}
    assert set(entries) == {"AA1234BB", "BH12*", "BE7*XA"}  # CE55* was removed in the web UI
    lanos = entries["BE7*XA"]
    assert (lanos.note, lanos.added_by, lanos.expires) == ("сірий Ланос", "police", NOW + timedelta(days=7))
    removed = conn.execute("SELECT removed, removed_by FROM watchlist WHERE pattern = 'CE55*'").fetchone()
    assert tuple(removed) == (T - 100, "admin")
    alerts = {a.plate: a for a in list_alerts(conn)}
    assert set(alerts) == {"KA7001AI", "BE7901XA", "CE5512AB"}
    seen = alerts["BE7901XA"]
    assert (seen.entry_id, seen.pattern, seen.note) == (lanos.id, "BE7*XA", "сірий Ланос")
    assert (seen.acknowledged_by, seen.acknowledged, seen.camera) == ("police", NOW - timedelta(seconds=400),
                                                                      "school")
    assert alerts["CE5512AB"].acknowledged is None and alerts["CE5512AB"].match == "tolerant"

    web = open_web_db(layout)
    assert web.execute("SELECT count(*) FROM watch_entries").fetchone()[0] == 0
    assert web.execute("SELECT count(*) FROM watch_alerts").fetchone()[0] == 0, "no plate text left"
    web.close()
    assert carry_web_watchlist(conn, layout) == 0
    assert conn.execute("SELECT count(*) FROM watchlist").fetchone()[0] == 4
    assert raise_alerts(conn, 13, "gate", "BE7902XA", [], T, T) == 1


def test_a_carry_cut_short_before_web_db_was_emptied_copies_nothing_twice(tmp_path):
    layout = DataLayout(tmp_path)
    old_web_watchlist(layout)
    conn = open_watchlist(layout)
    old_web_watchlist(layout)  # the same rows again, as if the process died before deleting them
    assert carry_web_watchlist(conn, layout) == 0
    assert conn.execute("SELECT count(*) FROM watchlist").fetchone()[0] == 2
    assert len(list_alerts(conn)) == 2


def test_entries_carried_over_show_in_the_cli_and_a_duplicate_is_still_refused(tmp_path):
    data = tmp_path / "data"
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data}"\n')
    layout = DataLayout(data)
    old_web_watchlist(layout, to_epoch(datetime.now(UTC)))  # the CLI lists what is active now
    listed = CliRunner().invoke(main, ["watchlist", "list", "--config", str(config), "--case", "ЄО 1",
                                       "--reason", "theft"])
    assert listed.exit_code == 0 and "BE7*XA" in listed.output and "police" in listed.output
    assert "CE55*" not in listed.output
    with pytest.raises(BadQuery, match="already on the watchlist"):
        add_entry(open_store(layout.plates_db), "ве7*ха", "", "cli:ivan", datetime.now(UTC))
