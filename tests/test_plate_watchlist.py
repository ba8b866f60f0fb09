"""The appliance's one watchlist (plate_index.watchlist, plates.db): entries by plate or pattern with who
added them and until when, alerts for exact and tolerant matches raised by plate reading, acknowledged
by whoever deals with them; and the CLI around it, which shares every row with the web UI."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from dozor.cli import main
from dozor.cli.common import cli_actor
from plate_index.normalise import BadQuery
from plate_index.store import open_store
from plate_index.watch_alerts import acknowledge, list_alerts, raise_alerts
from plate_index.watchlist import active_entries, add_entry, find_entry, remove_entry

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
CASE = ["--case", "ЄО 1", "--reason", "theft"]


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "plates.db")


@pytest.mark.parametrize(
    ("pattern", "plate", "alternatives", "expected"),
    [
        ("AA1234BB", "AA1234BB", [], "exact"),
        ("аа 1234 вв", "AA1234BB", [], "exact"),
        ("BH12*", "BH1299XX", [], "exact"),
        ("BH??34*", "BH1234AA", [], "exact"),
        ("AA1234BB", "AA1234B8", [], "tolerant"),
        ("AA1234BB", "AA1284BB", ["AA1234BB"], "tolerant"),
        ("AA1234BB", "AA1234BC", [], None),
        ("BH12*", "AB1234XX", [], None),
    ],
)
def test_sighting_matching_an_entry_raises_an_alert_of_the_right_kind(
    store, pattern, plate, alternatives, expected
):
    add_entry(store, pattern, "stolen car", "police", NOW)
    count = raise_alerts(store, 7, "road-north", plate, alternatives, 1000.0, NOW.timestamp())
    alerts = list_alerts(store)
    assert count == (1 if expected else 0)
    assert [a.match for a in alerts] == ([expected] if expected else [])
    if expected:
        assert alerts[0].plate == plate and alerts[0].note == "stolen car"


def test_a_sighting_raises_one_alert_per_entry_however_often_it_is_checked(store):
    add_entry(store, "AA1234BB", "", "police", NOW)
    for _ in range(3):  # stored, finished, reopened and finished again
        raise_alerts(store, 7, "road-north", "AA1234BB", [], 1000.0, NOW.timestamp())
    assert len(list_alerts(store)) == 1


def test_alert_is_logged_as_a_warning_by_ids_and_the_plate_only_at_debug(store, caplog):
    entry = add_entry(store, "AA1234BB", "stolen", "police", NOW)
    with caplog.at_level(logging.DEBUG, logger="plate_index.watch_alerts"):
        raise_alerts(store, 1, "road-north", "AA1234BB", [], 1000.0, NOW.timestamp())
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"sighting 1 on camera road-north matches watchlist entry {entry.id}" in warning
    assert "AA1234BB" not in warning and "stolen" not in warning
    assert any(r.levelno == logging.DEBUG and "AA1234BB" in r.getMessage() for r in caplog.records)


def test_duplicate_and_too_short_entries_are_refused(store):
    add_entry(store, "AA1234BB", "", "police", NOW)
    with pytest.raises(BadQuery, match="already on the watchlist"):
        add_entry(store, "aa-1234-bb", "", "cli:ivan", NOW)
    with pytest.raises(BadQuery, match="at least 3"):
        add_entry(store, "A*", "", "police", NOW)


def test_a_removed_or_expired_entry_raises_nothing_is_kept_and_may_be_listed_again(store):
    removed = add_entry(store, "AA1234BB", "", "police", NOW)
    add_entry(store, "BH12*", "", "police", NOW, expires=NOW + timedelta(days=1))
    assert find_entry(store, str(removed.id), NOW) == removed
    assert find_entry(store, "bh12*", NOW).pattern == "BH12*"
    assert remove_entry(store, removed.id, "cli:ivan", NOW)
    assert not remove_entry(store, removed.id, "cli:ivan", NOW)
    later = NOW + timedelta(days=2)  # BH12* has expired
    assert active_entries(store, later) == [] and find_entry(store, "BH12*", later) is None
    for plate in ("AA1234BB", "BH1299XX"):
        assert raise_alerts(store, 1, "road-north", plate, [], 1000.0, later.timestamp()) == 0
    kept = store.execute("SELECT removed_by FROM watchlist WHERE id = ?", (removed.id,)).fetchone()[0]
    assert kept == "cli:ivan"
    assert add_entry(store, "AA1234BB", "again", "police", later).id != removed.id


def test_an_alert_is_acknowledged_once_with_who_and_when(store):
    add_entry(store, "AA1234BB", "", "police", NOW)
    raise_alerts(store, 1, "road-north", "AA1234BB", [], 1000.0, NOW.timestamp())
    (alert,) = list_alerts(store, unacknowledged=True)
    assert acknowledge(store, alert.id, "cli:ivan", NOW + timedelta(minutes=1))
    assert not acknowledge(store, alert.id, "police", NOW + timedelta(minutes=2))
    assert list_alerts(store, unacknowledged=True) == []
    (done,) = list_alerts(store)
    assert (done.acknowledged_by, done.acknowledged) == ("cli:ivan", NOW + timedelta(minutes=1))


def test_watchlist_cli_add_list_remove_alerts_and_ack(tmp_path):
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "data"}"\n')
    runner = CliRunner()

    def dozor(*args: str):
        return runner.invoke(main, [*args, "--config", str(config)])

    added = dozor("watchlist", "add", "ВН12*", "--note", "wanted", "--days", "3", *CASE)
    assert added.exit_code == 0 and "added BH12*" in added.output
    (listed,) = [json.loads(line) for line in dozor("watchlist", "list", "--json", *CASE).output.splitlines()]
    assert (listed["pattern"], listed["added_by"], listed["note"]) == ("BH12*", cli_actor(), "wanted")
    lasts = datetime.fromisoformat(listed["expires"]) - datetime.fromisoformat(listed["added"])
    assert round(lasts.total_seconds()) == 3 * 86400
    assert dozor("watchlist", "add", "bh 12*", *CASE).exit_code == 1  # already listed
    bad = dozor("watchlist", "add", "Б", *CASE)
    assert bad.exit_code == 1 and "cannot be on a plate" in bad.output
    assert dozor("watchlist", "add", "AA1234", "--days", "366", *CASE).exit_code == 2

    store = open_store(tmp_path / "data" / "plates.db")
    raise_alerts(store, 5, "road-north", "BH1299XX", [], NOW.timestamp(), NOW.timestamp())
    (alert,) = [json.loads(line) for line in dozor("alerts", "--json", *CASE).output.splitlines()]
    assert (alert["plate"], alert["pattern"], alert["acknowledged"]) == ("BH1299XX", "BH12*", None)
    assert "BH1299XX" in dozor("alerts", "--open", *CASE).output
    acked = dozor("alerts", "ack", str(alert["id"]), *CASE)
    assert acked.exit_code == 0, acked.output
    assert dozor("alerts", "ack", str(alert["id"]), *CASE).exit_code == 1  # once
    assert dozor("alerts", "--open", "--json", *CASE).output == ""
    assert list_alerts(store)[0].acknowledged_by == cli_actor()

    removed = dozor("watchlist", "remove", "BH12*", *CASE)
    assert removed.exit_code == 0 and "removed BH12*" in removed.output
    missing = dozor("watchlist", "remove", "BH12*", *CASE)
    assert missing.exit_code == 1 and "not on the watchlist" in missing.output


def test_the_worker_stamps_alerts_with_its_clock_not_the_system_clock(tmp_path):
    """A worker's alerts follow the clock it was given (tests age data with a manual clock)."""
    import queue
    from types import SimpleNamespace

    from edge.clock import ManualClock
    from edge.config import LprConfig
    from edge.layout import DataLayout
    from plate_index.grouping import PlateRead, Sighting
    from plate_index.slots import FrameSlots
    from plate_index.worker import WorkerSpec, _Worker

    layout, slots = DataLayout(tmp_path), FrameSlots(1)
    add_entry(open_store(layout.plates_db), "AA1234BB", "", "police", NOW)
    spec = WorkerSpec(0, LprConfig(), layout, slots.name, slots.count)
    worker = _Worker(spec, None, queue.Queue(), SimpleNamespace(value=0.0), ManualClock(NOW))
    read = PlateRead("road-north", NOW.timestamp() - 60, "AA1234BB", (0.95,) * 8, 0.95)
    try:
        worker.writer.finish(Sighting("road-north", [read, read]))
    finally:
        worker.conn.close()
        slots.close()
    (alert,) = list_alerts(open_store(layout.plates_db))
    assert alert.raised == NOW


def test_entries_removed_or_expired_before_the_retention_go_with_their_alerts(tmp_path):
    """The watchlist's plates and notes are kept no longer than the sightings they matched."""
    from edge.layout import DataLayout
    from plate_index.store import prune

    store = open_store(tmp_path / "plates.db")
    removed = add_entry(store, "AA1234BB", "", "police", NOW)
    expired = add_entry(store, "BH12*", "", "police", NOW, expires=NOW + timedelta(days=1))
    later = add_entry(store, "KA7*", "", "police", NOW, expires=NOW + timedelta(days=5))
    kept = add_entry(store, "CE55*", "", "cli:ivan", NOW)
    raise_alerts(store, 1, "gate", "AA1234BB", [], NOW.timestamp(), NOW.timestamp())
    remove_entry(store, removed.id, "police", NOW + timedelta(hours=1))
    prune(store, DataLayout(tmp_path), (NOW + timedelta(hours=12)).timestamp())
    ids = {row[0] for row in store.execute("SELECT id FROM watchlist")}
    assert ids == {expired.id, later.id, kept.id} and list_alerts(store) == []
    prune(store, DataLayout(tmp_path), (NOW + timedelta(days=2)).timestamp())
    assert {row[0] for row in store.execute("SELECT id FROM watchlist")} == {later.id, kept.id}
