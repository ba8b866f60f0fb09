"""Every access to plate data is audited from the shell too: `dozor search`, `dozor watchlist ...` and
`dozor alerts` write hash-chained entries (actor `cli:<unix user>`) into the web UI's audit log, and a
shell that cannot write the audit log is shown no plate data."""

from __future__ import annotations

import getpass
import json
import shutil

import pytest
from click.testing import CliRunner

from accounts import audit
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.layout import DataLayout
from plate_index.store import NewSighting, insert_sighting, open_store

T = 1_772_366_400.0  # 2026-03-01T12:00:00Z
ME = f"cli:{getpass.getuser()}"


@pytest.fixture
def config(tmp_path, data_dir):
    path = tmp_path / "dozor.toml"
    path.write_text(
        f'[storage]\npath = "{data_dir}"\n[[cameras]]\nname = "road-north"\nurl = "rtsp://10.0.0.1/s"\n'
    )
    conn = open_store(DataLayout(data_dir).plates_db)
    insert_sighting(conn, NewSighting("road-north", "BE7123AA", T, T + 3, 0.91, 5))
    conn.close()
    return str(path)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def audit_entries(data_dir):
    conn = open_web_db(DataLayout(data_dir))
    try:
        return list(reversed(audit.entries(conn))), audit.verify(conn)
    finally:
        conn.close()


def test_cli_search_writes_an_audit_entry_with_the_query_and_filters(config, data_dir):
    result = run("search", "ве7", "--camera", "road-north", "--exact", "--json", "--config", config)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["plate"] == "BE7123AA"
    (entry,), (checked, problems) = audit_entries(data_dir)
    expected = (ME, "local", audit.AuditAction.SEARCH, "ве7")
    assert (entry.actor, entry.ip, entry.action, entry.target) == expected
    assert entry.detail == {"via": "cli", "camera": "road-north", "exact": True}
    assert (checked, problems) == (1, [])


def test_a_refused_query_is_audited_too(config, data_dir):
    result = run("search", "Б", "--config", config)
    assert result.exit_code == 1
    (entry,), _ = audit_entries(data_dir)
    assert entry.action == audit.AuditAction.SEARCH and entry.target == "Б"


def test_watchlist_changes_and_views_and_alerts_are_audited_in_one_chain(config, data_dir):
    steps = [
        ("watchlist", "add", "вн12*", "--note", "stolen"),
        ("watchlist", "list"),
        ("alerts",),
        ("watchlist", "remove", "BH12*"),
    ]
    for step in steps:
        result = run(*step, "--config", config)
        assert result.exit_code == 0, result.output
    found, (checked, problems) = audit_entries(data_dir)
    assert [(e.action, e.target) for e in found] == [
        (audit.AuditAction.WATCHLIST_ADD, "BH12*"),
        (audit.AuditAction.WATCHLIST_VIEW, ""),
        (audit.AuditAction.ALERTS_VIEW, ""),
        (audit.AuditAction.WATCHLIST_REMOVE, "BH12*"),
    ]
    assert all(e.actor == ME for e in found) and found[0].detail["note"] == "stolen"
    assert (checked, problems) == (4, [])
    assert all(e.action in set(audit.AuditAction) for e in found)
    verified = run("audit", "verify", "--config", config)
    assert verified.exit_code == 0 and "intact: 4 entries" in verified.output


def test_cli_and_web_entries_share_the_chain(config, data_dir):
    from edge.clock import ManualClock

    conn = open_web_db(DataLayout(data_dir))
    audit.append(conn, ManualClock(), actor="olena", ip="10.0.0.5", action=audit.AuditAction.SEARCH,
                 target="AA1")
    conn.close()
    assert run("search", "BE7", "--config", config).exit_code == 0
    found, (checked, problems) = audit_entries(data_dir)
    assert [e.actor for e in found] == ["olena", ME]
    assert (checked, problems) == (2, [])


def test_no_plate_data_without_a_writable_audit_log(config, data_dir):
    layout = DataLayout(data_dir)
    open_web_db(layout).close()
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"web.db{suffix}").unlink(missing_ok=True)
    layout.web_db.mkdir()  # what SQLite cannot open, whoever runs the command (root included)
    try:
        for args in (("search", "BE7", "--json"), ("watchlist", "list"), ("alerts", "--json")):
            result = run(*args, "--config", config)
            assert result.exit_code == 1, args
            assert "audit log" in result.output and "BE7123AA" not in result.output
    finally:
        shutil.rmtree(layout.web_db)
