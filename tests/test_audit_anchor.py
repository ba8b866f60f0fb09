"""The anchored audit log (issue 12, acceptance 2), with the anchor file as the witness (no journald, as
in CI): an insider with the `dozor` user's rights rewrites web.db, and `dozor audit verify` exits non-zero
naming what happened: the last entry removed with the head updated, a middle entry removed and the chain
recomputed, the whole log emptied, web.db deleted (or replaced). The running web service notices too.
What the anchor file does not protect against without `chattr +a` is shown as well, as the README says.
(tests/test_audit_journal.py does the same with a real journald.)"""

from __future__ import annotations

import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from insider import all_rows, insider, rewrite
from webapp import WebSite

from accounts import audit
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout

REPO = Path(__file__).resolve().parent.parent
WITNESSED_ENTRIES = 32  # witnessed at start (0), then every 10 entries, and a minute after the last


@pytest.fixture
def site(tmp_path, web, data_dir):
    """A web service with a police officer's searches in its log, its head witnessed as it grew and a
    minute after the last entry."""
    clock = ManualClock(datetime.now(UTC))
    app = web.app(clock=clock)
    keeper = app.extensions["dozor_audit_keeper"]
    police = web.client("police", app=app)
    for n in range(WITNESSED_ENTRIES):
        police.get(f"/api/search?q=BE{n:02d}")
        clock.advance(1)
        keeper.tick()  # what its thread does every 5 s
    clock.advance(60)
    keeper.tick()
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    return app, keeper, str(config), DataLayout(data_dir)


def verify(config, *args):
    result = CliRunner().invoke(main, ["audit", "verify", "--config", config, *args])
    return result.exit_code, result.output


def test_an_untouched_log_verifies_against_its_anchor(site):
    _, _, config, layout = site
    code, output = verify(config)
    assert code == 0, output
    assert "every witnessed head present" in output
    assert f"anchor file {layout.audit_anchor}: " in output and "witnessed head(s)" in output


def test_the_last_entry_removed_and_the_head_updated_is_named(site):
    _, keeper, config, layout = site
    conn = insider(layout)
    rows = all_rows(conn)
    rewrite(conn, rows[:-1])  # the same chain minus its last entry: intact in itself
    conn.close()
    code, output = verify(config)
    last = len(rows)
    assert code == 1, output
    assert f"entry {last} removed from the end of the log: it ends at entry {last - 1}, but entry {last} " \
           f"was witnessed at" in output
    keeper.tick()
    assert any(f"entry {last} removed from the end" in p for p in keeper.problems)  # the service noticed


def test_a_middle_entry_removed_and_the_chain_recomputed_is_named(site):
    _, _, config, layout = site
    conn = insider(layout)
    rows = all_rows(conn)
    witnessed = sorted({h.entry_id for h in witnessed_heads(layout)})
    gone = witnessed[1] + 2  # an entry between the second and the third witnessed head
    rewrite(conn, [r for r in rows if r["id"] != gone])
    conn.close()
    code, output = verify(config)
    assert code == 1, output
    assert "the log was rewritten and its chain recomputed" in output
    assert f"the change lies in entries {witnessed[1] + 1}-{witnessed[2]}" in output


def test_the_whole_log_emptied_is_named(site):
    _, _, config, layout = site
    conn = insider(layout)
    rewrite(conn, [])
    conn.close()
    code, output = verify(config)
    assert code == 1, output
    assert "the log was emptied: it has no entries, but entry" in output


def test_a_deleted_web_db_is_named(site):
    _, _, config, layout = site
    for suffix in ("", "-wal", "-shm"):
        layout.web_db.with_name(f"web.db{suffix}").unlink(missing_ok=True)
    code, output = verify(config)
    assert code == 1, output
    assert "web.db is missing (deleted?): its log" in output
    assert not layout.web_db.exists()  # verify does not create an empty one


def restart_with_a_new_web_db(keeper, layout):
    """What deleting web.db and restarting the web service does: a new, empty log."""
    for suffix in ("", "-wal", "-shm"):
        layout.web_db.with_name(f"web.db{suffix}").unlink(missing_ok=True)
    keeper.stop()  # the old process is gone
    keeper.clock.advance(5)
    restarted = WebSite(layout.root).app(clock=keeper.clock).extensions["dozor_audit_keeper"]
    restarted.tick()
    return restarted


def test_a_web_db_deleted_and_recreated_by_a_restart_is_named(site):
    _, keeper, config, layout = site
    restarted = restart_with_a_new_web_db(keeper, layout)
    code, output = verify(config)
    assert code == 1, output
    assert "web.db was replaced: the log" in output
    assert any("web.db was replaced" in p for p in restarted.problems)  # on its audit page at once


def test_a_written_down_head_catches_a_cut_even_with_the_anchor_file_rewritten(site):
    _, _, config, layout = site
    conn = insider(layout)
    head = audit.read_head(conn)
    rewrite(conn, all_rows(conn)[:-3])
    conn.close()
    layout.audit_anchor.unlink()  # no chattr +a: the insider can do this
    code, output = verify(config, "--head", f"{head.entry_id}:{head.hash[:16]}")
    assert code == 1, output
    assert f"entry {head.entry_id} was witnessed (written down)" in output


def test_without_append_only_an_insider_who_rewrites_the_anchor_file_too_goes_unnoticed(site):
    """What the README says the anchor file alone does not protect against: the `dozor` user owns it."""
    _, _, config, layout = site
    conn = insider(layout)
    rewrite(conn, all_rows(conn)[:-1])
    head = audit.read_head(conn)
    conn.close()
    layout.audit_anchor.write_text(
        f'{{"at": "2026-03-01T12:00:00Z", "entry": {head.entry_id}, "hash": "{head.hash}", '
        f'"log": "{head.log_id}", "journal": false}}\n'
    )
    code, output = verify(config)
    assert code == 0, output


def test_garbage_in_the_anchor_file_is_reported(site):
    _, _, config, layout = site
    with layout.audit_anchor.open("a") as handle:
        handle.write("not a head\n")
    code, output = verify(config)
    assert code == 2, output
    assert "1 line(s) of the anchor file are not witnessed heads" in output


def test_since_ignores_heads_witnessed_before_a_deliberate_reset(site):
    _, keeper, config, layout = site
    restarted = restart_with_a_new_web_db(keeper, layout)
    assert verify(config)[0] == 1
    code, output = verify(config, "--since", restarted.witnessed_at.isoformat())
    assert code == 0, output


def witnessed_heads(layout):
    from accounts.audit_witnessed import from_anchor

    return from_anchor(layout.audit_anchor).heads


@pytest.fixture
def append_only(site):
    """The anchor file made append-only, as install-system does (`chattr +a`; root on ext4 and the like)."""
    _, _, _, layout = site
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("chattr +a needs root")
    done = subprocess.run(["chattr", "+a", str(layout.audit_anchor)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this file system has no append-only attribute: {done.stderr.strip()}")
    yield layout.audit_anchor
    subprocess.run(["chattr", "-a", str(layout.audit_anchor)], check=True)


def test_an_append_only_anchor_file_cannot_be_rewritten_cut_or_deleted(site, append_only):
    """Even root cannot rewrite it without removing the attribute first, which the `dozor` user cannot;
    the web service still appends its witnesses."""
    _, keeper, config, layout = site
    before = append_only.read_bytes()
    with pytest.raises(PermissionError):
        append_only.write_text("")
    with pytest.raises(PermissionError):
        os.truncate(append_only, 0)
    with pytest.raises(PermissionError):
        append_only.unlink()
    with pytest.raises(PermissionError):
        append_only.rename(append_only.with_name("moved.jsonl"))
    conn = open_web_db(layout)
    keeper.witness.witness(audit.read_head(conn), keeper.clock.now())  # a new head is still witnessed
    conn.close()
    assert append_only.read_bytes().startswith(before) and len(append_only.read_bytes()) > len(before)
    conn = insider(layout)
    rewrite(conn, all_rows(conn)[:-1])
    conn.close()
    assert verify(config)[0] == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, as `sudo dozor audit verify` runs")
def test_verify_run_by_root_leaves_no_root_owned_file_in_the_data_folder(site):
    """Root reads the journal and web.db: a root-owned web.db-wal or -shm would lock the web service
    (running as `dozor`) out of its own database."""
    _, keeper, _, layout = site
    keeper.stop()
    base = Path(tempfile.mkdtemp(prefix="dozor-verify-"))
    try:
        base.chmod(0o755)
        data = base / "data"
        data.mkdir()
        shutil.copy(layout.audit_anchor, data)
        source, copy = sqlite3.connect(layout.web_db), sqlite3.connect(data / "web.db")
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=WAL")  # a WAL-mode web.db without -wal and -shm: a clean stop
        source.close()
        copy.close()
        assert sorted(p.name for p in data.iterdir()) == ["audit-anchor.jsonl", "web.db"]
        nobody = pwd.getpwnam("nobody")
        for path in [data, *data.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        config = base / "dozor.toml"
        config.write_text(f'[storage]\npath = "{data}"\n')
        done = subprocess.run([sys.executable, "-m", "dozor.cli", "audit", "verify", "--config", str(config)],
                              capture_output=True, text=True, timeout=120, cwd=REPO)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "every witnessed head present" in done.stdout
        owners = {path.name: path.stat().st_uid for path in data.iterdir()}
        assert set(owners.values()) == {nobody.pw_uid}, owners
    finally:
        shutil.rmtree(base)
