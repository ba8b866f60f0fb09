"""Every access to plate data is audited from the shell too: `dozor search`, `dozor watchlist ...` and
`dozor alerts` write hash-chained entries into the web UI's audit log, naming the person (the login user
behind `sudo -u dozor`, not just `cli:dozor`), the web service witnesses them like its own, and a shell
that cannot write the audit log is shown no plate data."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from webapp import make_config

from accounts import audit, audit_chain
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from dozor.cli.common import cli_actor
from edge.layout import DataLayout
from plate_index.store import NewSighting, insert_sighting, open_store
from webui import create_app

T = 1_772_366_400.0  # 2026-03-01T12:00:00Z
ME = cli_actor()


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


CASE = ("--case", "12026100000000123", "--reason", "theft")


def run(*args: str):
    """The command, with a case where it shows plate data (required by default: [access] require_case)."""
    needs_case = args[0] in ("search", "alerts", "watchlist")
    return CliRunner().invoke(main, [*args, *(CASE if needs_case else ())])


def audit_entries(data_dir):
    conn = open_web_db(DataLayout(data_dir))
    try:
        return list(reversed(audit.entries(conn))), audit_chain.verify(conn)
    finally:
        conn.close()


def test_cli_search_writes_an_audit_entry_with_the_query_filters_and_result_count(config, data_dir):
    result = run("search", "ве7", "--camera", "road-north", "--exact", "--json", "--config", config)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["plate"] == "BE7123AA"
    (entry,), (checked, problems) = audit_entries(data_dir)
    expected = (ME, "local", AuditAction.SEARCH, "ве7")
    assert (entry.actor, entry.ip, entry.action, entry.target) == expected
    found = len(result.stdout.splitlines())
    assert entry.detail == {"via": "cli", "camera": "road-north", "exact": True, "results": found}
    assert (checked, problems) == (1, [])


def test_cli_search_needs_a_case_and_its_entry_carries_it(config, data_dir):
    """Issue 14: the CLI behaves as the web UI; no case, no plate data and no entry; a case of the
    wrong form is refused; the entry carries the case and its note."""
    search = ["search", "BE7", "--json", "--config", config]
    bare = CliRunner().invoke(main, search)
    assert bare.exit_code == 1 and "--case" in bare.output and "BE7123AA" not in bare.output
    wrong = CliRunner().invoke(main, [*search, "--case", "42", "--reason", "theft"])
    assert wrong.exit_code == 1 and "case refused" in wrong.output and "BE7123AA" not in wrong.output
    odd = CliRunner().invoke(main, [*search, "--case", "ЄО 5", "--reason", "spite"])
    assert odd.exit_code == 1 and "theft, missing_person" in odd.output
    alerts = CliRunner().invoke(main, ["alerts", "--config", config])
    assert alerts.exit_code == 1 and "--case" in alerts.output
    for watchlist in (["list"], ["add", "BE7*"], ["remove", "BE7*"]):  # plate text too, as in the web UI
        refused = CliRunner().invoke(main, ["watchlist", *watchlist, "--config", config])
        assert refused.exit_code == 1 and "--case" in refused.output, watchlist
    assert audit_entries(data_dir)[0] == []
    done = CliRunner().invoke(main, ["search", "BE7", "--json", "--config", config, "--case", "ЄО 5",
                                     "--reason", "missing_person", "--case-note", "a boy, 9"])
    assert done.exit_code == 0 and "BE7123AA" in done.output
    (entry,), (checked, problems) = audit_entries(data_dir)
    assert (entry.case_number, entry.case_reason) == ("ЄО 5", "missing_person")
    assert entry.detail["case_note"] == "a boy, 9"
    assert (checked, problems) == (1, [])


def test_cli_search_without_a_case_when_the_config_does_not_require_one(tmp_path, config, data_dir):
    relaxed = tmp_path / "relaxed.toml"
    relaxed.write_text(Path(config).read_text() + "\n[access]\nrequire_case = false\n")
    result = CliRunner().invoke(main, ["search", "BE7", "--json", "--config", str(relaxed)])
    assert result.exit_code == 0 and "BE7123AA" in result.output
    (entry,), _ = audit_entries(data_dir)
    assert (entry.case_number, entry.case_reason) == ("", "")


def test_a_refused_query_is_audited_too(config, data_dir):
    result = run("search", "Б", "--config", config)
    assert result.exit_code == 1
    (entry,), _ = audit_entries(data_dir)
    assert entry.action == AuditAction.SEARCH and entry.target == "Б"


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
        (AuditAction.WATCHLIST_ADD, "BH12*"),
        (AuditAction.WATCHLIST_VIEW, ""),
        (AuditAction.ALERTS_VIEW, ""),
        (AuditAction.WATCHLIST_REMOVE, "BH12*"),
    ]
    assert all(e.actor == ME for e in found) and found[0].detail["note"] == "stolen"
    assert all(e.case_number == "12026100000000123" for e in found), "a plate-data entry without its case"
    assert (checked, problems) == (4, [])
    assert all(e.action in set(AuditAction) for e in found)
    unwitnessed = run("audit", "verify", "--config", config)
    assert unwitnessed.exit_code == 2 and "hash chain intact (4 entries)" in unwitnessed.output
    create_app(make_config(data_dir)).extensions["dozor_audit_keeper"].tick()  # the web service's round
    verified = run("audit", "verify", "--config", config)
    assert verified.exit_code == 0 and "intact: 4 entries" in verified.output
    assert "the highest entry 4" in verified.output


def test_removing_a_plate_not_on_the_watchlist_is_audited_too(config, data_dir):
    """Its answer says whether the plate is listed: plate data, read under a case like the list."""
    result = run("watchlist", "remove", "ВН1234АА", "--config", config)
    assert result.exit_code == 1 and "not on the watchlist" in result.output
    (entry,), _ = audit_entries(data_dir)
    assert (entry.action, entry.target) == (AuditAction.WATCHLIST_REMOVE, "ВН1234АА")
    assert entry.detail["found"] is False
    assert entry.case_number == "12026100000000123"


def test_cli_and_web_entries_share_the_chain(config, data_dir):
    from edge.clock import ManualClock

    conn = open_web_db(DataLayout(data_dir))
    audit.append(conn, ManualClock(), actor="olena", ip="10.0.0.5", action=AuditAction.SEARCH,
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


# ---- who: the person behind `sudo -u dozor` ----


def test_the_login_user_is_named_when_the_command_runs_as_another_user(tmp_path):
    me = pwd.getpwuid(os.geteuid()).pw_name
    other = next(u for u in pwd.getpwall() if u.pw_uid != os.geteuid())
    loginuid = tmp_path / "loginuid"
    loginuid.write_text(str(other.pw_uid))
    assert cli_actor(loginuid, {}) == f"cli:{other.pw_name} as {me}"
    assert cli_actor(loginuid, {"SUDO_USER": "mallory"}) == f"cli:{other.pw_name} as {me}"  # kernel wins
    loginuid.write_text(str(os.geteuid()))
    assert cli_actor(loginuid, {}) == f"cli:{me}"


def test_without_a_login_uid_sudo_user_names_the_person(tmp_path):
    me = pwd.getpwuid(os.geteuid()).pw_name
    loginuid = tmp_path / "loginuid"
    loginuid.write_text("4294967295")  # a service, cron, a container: no login session
    assert cli_actor(loginuid, {"SUDO_USER": "olena"}) == f"cli:olena as {me}"
    assert cli_actor(loginuid, {}) == f"cli:{me}"
    assert cli_actor(tmp_path / "absent", {}) == f"cli:{me}"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: sets the login uid, as pam_loginuid does")
def test_a_command_run_as_root_after_a_login_names_the_person(config, data_dir):
    """A real login uid in a real process (what pam_loginuid sets at an SSH login, inherited through
    sudo): `dozor search` run as root names the person who logged in, whatever SUDO_USER says."""
    person = pwd.getpwnam("daemon")
    command = f"echo {person.pw_uid} > /proc/self/loginuid && exec {sys.executable} -m dozor.cli search " \
              f"BE7 --json --config {config} {' '.join(CASE)}"
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "SUDO_USER": "x"})
    if "loginuid" in done.stderr:
        pytest.skip(f"this kernel does not let root set the login uid: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    (entry,), _ = audit_entries(data_dir)
    assert entry.actor == "cli:daemon as root"
