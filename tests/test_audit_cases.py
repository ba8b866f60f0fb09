"""Audit entries carry their case (issue 14): the hash covers the case, so editing it is caught; entries
written before cases existed (web.db before migration 4) keep their hashes, and a log that holds both
verifies, through `dozor audit verify` with its witnessed heads too."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner
from insider import insider
from webapp import make_config

from accounts import audit, audit_chain
from accounts.audit import AuditAction
from accounts.cases import Case
from accounts.webdb import MIGRATIONS, open_web_db
from dozor.cli import main
from edge.clock import ManualClock, to_epoch
from edge.db import connect, migrate
from edge.layout import DataLayout
from webui import create_app

CASE = Case("12026100000000123", "theft")


def old_log(layout: DataLayout, count: int) -> None:
    """A web.db as Dozor wrote it before cases (migrations 1-3), with `count` entries appended by the
    code of the time: the hash over the eight fields, the INSERT without case columns."""
    conn = connect(layout.web_db)
    migrate(conn, MIGRATIONS[:3], "web")
    clock, prev = ManualClock(), audit.GENESIS
    for entry_id in range(1, count + 1):
        clock.advance(60)
        at, detail = to_epoch(clock.now()), json.dumps({"camera": "road-north"})
        digest = audit._digest(entry_id, at, "olena", "10.0.0.5", "search", f"BE{entry_id}", detail, prev)
        with conn:
            conn.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (entry_id, at, "olena", "10.0.0.5", "search", f"BE{entry_id}", detail, prev, digest))
            conn.execute("INSERT OR REPLACE INTO audit_head (one, last_id, last_hash) VALUES (1, ?, ?)",
                         (entry_id, digest))
        prev = digest
    conn.close()


def test_old_entries_and_entries_with_a_case_verify_together(data_dir, tmp_path):
    layout = DataLayout(data_dir)
    old_log(layout, 5)
    conn = open_web_db(layout)  # migration 4: the case columns
    clock = ManualClock()
    for _ in range(3):
        audit.append(conn, clock, actor="petro", ip="10.0.0.6", action=AuditAction.SEARCH, target="AA1",
                     case=CASE)
    audit.append(conn, clock, actor="petro", ip="10.0.0.6", action=AuditAction.LOGOUT)
    assert audit_chain.verify(conn) == (9, [])
    found = list(reversed(audit.entries(conn)))
    cases = [(e.case_number, e.case_reason) for e in found]
    assert cases == [("", "")] * 5 + [(CASE.number, CASE.reason)] * 3 + [("", "")]
    conn.close()
    create_app(make_config(data_dir)).extensions["dozor_audit_keeper"].tick()  # the head is witnessed
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    verified = CliRunner().invoke(main, ["audit", "verify", "--config", str(config)])
    assert verified.exit_code == 0 and "intact: 9 entries" in verified.output, verified.output


def edited(layout: DataLayout, sql: str, *args) -> list[str]:
    """The chain's problems after an insider's edit (besides the triggers it dropped)."""
    conn = insider(layout)
    with conn:
        conn.execute(sql, args)
    conn.close()
    conn = open_web_db(layout)
    try:
        return [p for p in audit_chain.verify(conn)[1] if "triggers" not in p]
    finally:
        conn.close()


def test_changing_or_removing_an_entrys_case_is_caught(data_dir):
    layout = DataLayout(data_dir)
    conn = open_web_db(layout)
    for case in (CASE, CASE, None):
        audit.append(conn, ManualClock(), actor="petro", ip="-", action=AuditAction.SEARCH, case=case)
    conn.close()
    assert edited(layout, "UPDATE audit SET case_number = 'ЄО 1' WHERE id = 1") == [
        "entry 1 edited: its content does not match its hash"]
    assert edited(layout, "UPDATE audit SET case_number = '12026100000000123' WHERE id = 1") == []  # put back
    assert edited(layout, "UPDATE audit SET case_number = '', case_reason = '' WHERE id = 2") == [
        "entry 2 edited: its content does not match its hash"]
    broken = "entry {} edited: its content does not match its hash"
    third = edited(layout, "UPDATE audit SET case_reason = 'theft' WHERE id = 3")
    assert third == [broken.format(2), broken.format(3)]  # entry 2 is still edited


def test_a_read_only_web_db_from_before_cases_can_still_be_read(data_dir):
    layout = DataLayout(data_dir)
    old_log(layout, 3)
    conn = sqlite3.connect(f"file:{layout.web_db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    assert audit_chain.verify(conn) == (3, [])
    assert [e.case_number for e in audit.entries(conn)] == ["", "", ""]
    conn.close()
