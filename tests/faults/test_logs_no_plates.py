"""No plate data in the daemon's log above DEBUG (issue 6): the journal is read by more people, kept
longer and copied further than the plate store, whose every read is audited.

The real `dozor run` reads a drive-by clip over RTSP with the real models at the default level (INFO),
with every car of the clip on the watchlist, so sightings are stored and watchlist alerts are raised and
logged. Its whole output must not contain any car's plate: not as read, not in Cyrillic letters, not
with spaces or dashes between the characters. The alert is still logged, by sighting, watchlist entry
and camera, so an installer can look it up in the (audited) UI or `dozor alerts`.
"""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing

import pytest
from click.testing import CliRunner
from lpr_daemon import Daemon, write_config
from recording import wait_until

from dozor.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.shared]

# Latin letters of Ukrainian plates and their Cyrillic look-alikes (what a Ukrainian keyboard types).
CYRILLIC = dict(zip("ABCEHIKMOPTX", "АВСЕНІКМОРТХ", strict=True))
SEPARATOR = r"[\s\-_.·]?"


def plate_pattern(plate: str) -> re.Pattern[str]:
    """The plate in Latin or Cyrillic letters, any case, with or without a separator between characters."""
    parts = []
    for char in plate.upper():
        options = {char, char.lower()}
        if char in CYRILLIC:
            options |= {CYRILLIC[char], CYRILLIC[char].lower()}
        parts.append("[" + "".join(sorted(re.escape(o) for o in options)) + "]")
    return re.compile(SEPARATOR.join(parts))


def test_plate_pattern_finds_every_spelling_a_log_could_use():
    pattern = plate_pattern("BE7123AX")
    for text in ("BE7123AX", "be7123ax", "ВЕ7123АХ", "BE 7123 AX", "B-E-7-1-2-3-A-X", "вЕ7123аХ"):
        assert pattern.search(f"... {text} ..."), text
    assert not pattern.search("BE7124AX") and not pattern.search("sighting 7123")


def test_info_log_of_a_run_with_watchlist_alerts_shows_no_plate(
    tmp_path, model_dir, driveby_clips, rtsp_server, monkeypatch
):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("DOZOR_LOG_LEVEL", "INFO")
    clip = driveby_clips[0]
    plates = [car.plate for car in clip.passes]
    server = rtsp_server({"gate": clip.path})
    config = write_config(tmp_path / "dozor.toml", tmp_path / "data", model_dir, {"gate": server.url("gate")})
    runner = CliRunner()
    for plate in plates:
        added = runner.invoke(main, ["watchlist", "add", plate, "--config", str(config), "--note", "test",
                                     "--case", "ЄО 1", "--reason", "theft"])
        assert added.exit_code == 0, added.output
    daemon = Daemon(config, tmp_path / "dozor.log")
    started = time.monotonic()
    try:
        assert wait_until(lambda: _alerts(daemon) >= 2, 120), "no watchlist alert\n" + daemon.log()
    finally:
        status = daemon.terminate()
    log = daemon.log()
    alerts = _alerts(daemon)
    print(f"logs: {len(log.splitlines())} lines at INFO, {alerts} alerts, {len(daemon.sightings())} "
          f"sightings in {time.monotonic() - started:.0f} s")
    assert status == 0, log
    lines = log.splitlines()
    leaks = [(plate, line) for plate in plates for line in lines if plate_pattern(plate).search(line)]
    assert leaks == [], "plate text in the INFO log:\n" + "\n".join(f"{p}: {line}" for p, line in leaks)
    # The alert is still in the log, by its ids, for the installer to look up.
    alert_lines = [line for line in lines if "watchlist alert" in line]
    assert len(alert_lines) == alerts
    by_ids = re.compile(r"sighting \d+ on camera gate matches watchlist entry \d+")
    assert all(by_ids.search(line) for line in alert_lines)


def _alerts(daemon: Daemon) -> int:
    if not daemon.layout.plates_db.exists():
        return 0
    with closing(sqlite3.connect(daemon.layout.plates_db)) as conn:
        try:
            return conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
