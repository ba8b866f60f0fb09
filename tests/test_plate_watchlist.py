"""Watchlist: entries by plate or pattern, alerts for exact and tolerant matches, the CLI around it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from dozor.cli import main
from plate_index.normalise import BadQuery
from plate_index.store import open_store
from plate_index.watchlist import add_entry, list_alerts, list_entries, raise_alerts, remove_entry

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


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
    add_entry(store, pattern, "stolen car", NOW)
    count = raise_alerts(store, 7, "road-north", plate, alternatives, 1000.0, NOW.timestamp())
    alerts = list_alerts(store)
    assert count == (1 if expected else 0)
    assert [a["match"] for a in alerts] == ([expected] if expected else [])
    if expected:
        assert alerts[0]["plate"] == plate and alerts[0]["note"] == "stolen car"


def test_alert_is_logged_as_a_warning_by_ids_and_the_plate_only_at_debug(store, caplog):
    entry = add_entry(store, "AA1234BB", "stolen", NOW)
    with caplog.at_level(logging.DEBUG, logger="plate_index.watchlist"):
        raise_alerts(store, 1, "road-north", "AA1234BB", [], 1000.0, NOW.timestamp())
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"sighting 1 on camera road-north matches watchlist entry {entry.id}" in warning
    assert "AA1234BB" not in warning and "stolen" not in warning
    assert any(r.levelno == logging.DEBUG and "AA1234BB" in r.getMessage() for r in caplog.records)


def test_duplicate_and_too_short_entries_are_refused(store):
    add_entry(store, "AA1234BB", "", NOW)
    with pytest.raises(BadQuery, match="already on the watchlist"):
        add_entry(store, "aa-1234-bb", "", NOW)
    with pytest.raises(BadQuery, match="at least 3"):
        add_entry(store, "A*", "", NOW)


def test_remove_by_id_or_pattern(store):
    first = add_entry(store, "AA1234BB", "", NOW)
    add_entry(store, "BH12*", "", NOW)
    assert remove_entry(store, str(first.id))
    assert remove_entry(store, "bh12*")
    assert not remove_entry(store, "XX9999XX")
    assert list_entries(store) == []


def test_watchlist_cli_add_list_remove_and_alerts(tmp_path):
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "data"}"\n')
    runner = CliRunner()
    case = ["--case", "ЄО 1", "--reason", "theft"]
    added = runner.invoke(main, ["watchlist", "add", "ВН12*", "--note", "wanted", "--config", str(config),
                                 *case])
    assert added.exit_code == 0 and "added BH12*" in added.output
    listed = runner.invoke(main, ["watchlist", "list", "--config", str(config), "--json", *case])
    assert json.loads(listed.output)["pattern"] == "BH12*"
    bad = runner.invoke(main, ["watchlist", "add", "Б", "--config", str(config), *case])
    assert bad.exit_code == 1 and "cannot be on a plate" in bad.output
    assert runner.invoke(main, ["alerts", "--config", str(config), "--json", *case]).output == ""
    removed = runner.invoke(main, ["watchlist", "remove", "BH12*", "--config", str(config), *case])
    assert removed.exit_code == 0
    missing = runner.invoke(main, ["watchlist", "remove", "BH12*", "--config", str(config), *case])
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
    add_entry(open_store(layout.plates_db), "AA1234BB", "", NOW)
    spec = WorkerSpec(0, LprConfig(), layout, slots.name, slots.count)
    worker = _Worker(spec, None, queue.Queue(), SimpleNamespace(value=0.0), ManualClock(NOW))
    read = PlateRead("road-north", NOW.timestamp() - 60, "AA1234BB", (0.95,) * 8, 0.95)
    try:
        worker.writer.finish(Sighting("road-north", [read, read]))
    finally:
        worker.conn.close()
        slots.close()
    (alert,) = list_alerts(open_store(layout.plates_db))
    assert alert["raised"] == "2026-03-01T12:00:00.000Z"
