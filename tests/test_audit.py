"""The audit log is append-only and hash-chained: `dozor audit verify` passes on an intact, witnessed
log, names the entry when one is edited, deleted in the middle, or cut off the end, and does not call a
log intact that no witness vouches for (exit 2)."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from accounts import audit
from accounts.audit import AuditAction
from accounts.audit_anchor import HeadWitness
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout


@pytest.fixture
def config_path(tmp_path, data_dir):
    path = tmp_path / "dozor.toml"
    path.write_text(f'[storage]\npath = "{data_dir}"\n', encoding="utf-8")
    return str(path)


@pytest.fixture
def log_with_entries(data_dir):
    conn = open_web_db(DataLayout(data_dir))
    clock = ManualClock()
    for i in range(1, 11):
        clock.advance(60)
        audit.append(
            conn,
            clock,
            actor="olena",
            ip="10.0.0.5",
            action=AuditAction.SEARCH,
            target="",
            detail={"query": f"BE{i}"},
        )
    HeadWitness(DataLayout(data_dir).audit_anchor, journal=False).witness(audit.read_head(conn), clock.now())
    yield conn
    conn.close()


def verify(config_path):
    return CliRunner().invoke(main, ["audit", "verify", "--config", config_path])


def tamper(conn: sqlite3.Connection, sql: str, *args) -> None:
    """What an intruder with shell access would do: drop the append-only triggers, then edit."""
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    with conn:
        conn.execute(sql, args)


def test_intact_log_verifies(config_path, log_with_entries):
    result = verify(config_path)
    assert result.exit_code == 0, result.output
    assert "intact: 10 entries" in result.output
    assert "anchor file" in result.output and "1 witnessed head(s), the highest entry 10" in result.output


def test_a_log_no_witness_vouches_for_is_not_called_intact(config_path, log_with_entries, data_dir):
    DataLayout(data_dir).audit_anchor.unlink()
    result = verify(config_path)
    assert result.exit_code == 2, result.output
    assert "no witnessed head" in result.output and "hash chain intact (10 entries)" in result.output


def test_rows_cannot_be_updated_or_deleted_through_sql(log_with_entries):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log_with_entries.execute("UPDATE audit SET actor = 'nobody' WHERE id = 3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log_with_entries.execute("DELETE FROM audit WHERE id = 3")


def test_an_edited_entry_is_named(config_path, log_with_entries):
    tamper(log_with_entries, "UPDATE audit SET detail = ? WHERE id = 4", '{"query": "XX1"}')
    result = verify(config_path)
    assert result.exit_code == 1
    assert "entry 4 edited" in result.output


def test_an_edited_entry_with_a_recomputed_hash_is_still_caught(config_path, log_with_entries):
    row = log_with_entries.execute("SELECT * FROM audit WHERE id = 4").fetchone()
    forged = audit._digest(
        4, row["at"], "someone-else", row["ip"], row["action"], row["target"], row["detail"], row["prev_hash"]
    )
    tamper(log_with_entries, "UPDATE audit SET actor = 'someone-else', hash = ? WHERE id = 4", forged)
    result = verify(config_path)
    assert result.exit_code == 1
    assert "entry 4 edited or replaced" in result.output


def test_a_deleted_entry_in_the_middle_is_named(config_path, log_with_entries):
    tamper(log_with_entries, "DELETE FROM audit WHERE id IN (5, 6)")
    result = verify(config_path)
    assert result.exit_code == 1
    assert "entries 5-6 deleted" in result.output


def test_entries_cut_off_the_end_are_named(config_path, log_with_entries):
    tamper(log_with_entries, "DELETE FROM audit WHERE id >= 9")
    result = verify(config_path)
    assert result.exit_code == 1
    assert "entries 9-10 deleted from the end" in result.output


def test_removing_the_triggers_alone_is_reported(config_path, log_with_entries):
    log_with_entries.execute("DROP TRIGGER audit_no_update")
    result = verify(config_path)
    assert result.exit_code == 1
    assert "triggers" in result.output


def test_appending_after_verification_keeps_the_chain(config_path, log_with_entries):
    audit.append(
        log_with_entries, ManualClock(), actor="cli:root", ip="local", action=AuditAction.USER_ADD,
        target="bob",
    )
    assert verify(config_path).exit_code == 0
