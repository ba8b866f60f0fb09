"""The web service's audit keeper and the quick check: the head is witnessed at start, every 10 entries,
within a minute of any other change and every 5 minutes; a witness line reaches the journal whatever the
log level and no logged text can pose as one; the audit page hashes only what came after the checkpoint
(a page load no longer re-hashes the whole log), and the keeper's background pass finds what the quick
check cannot; `dozor status` shows the head."""

from __future__ import annotations

import json
import logging
import os
import threading
import time

import pytest
from click.testing import CliRunner
from insider import insider, rewrite

from accounts import audit
from accounts.audit import AuditAction
from accounts.audit_anchor import WITNESS_RE, HeadWitness, under_journald, witness_line
from accounts.audit_chain import CHUNK, quick_check, verify
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout
from edge.logs import _JournalFormatter
from webui.audit_keeper import AuditKeeper
from webui.viewings import Viewings


@pytest.fixture
def layout(data_dir):
    open_web_db(DataLayout(data_dir)).close()
    return DataLayout(data_dir)


def add(layout, clock, n: int) -> None:
    conn = open_web_db(layout)
    for i in range(n):
        audit.append(conn, clock, actor="olena", ip="10.0.0.5", action=AuditAction.SEARCH, target=f"BE{i}")
    conn.close()


def witnessed(layout) -> list[int]:
    lines = layout.audit_anchor.read_text().splitlines() if layout.audit_anchor.exists() else []
    return [json.loads(line)["entry"] for line in lines]


def test_the_head_is_witnessed_at_start_every_10_entries_within_a_minute_and_every_5_minutes(layout):
    clock = ManualClock()
    keeper = AuditKeeper(layout, clock, Viewings(clock), HeadWitness(layout.audit_anchor, journal=False))
    keeper.tick()
    assert witnessed(layout) == [0]  # at start, even an empty log: a later web.db cannot pass for it
    add(layout, clock, 9)
    keeper.tick()
    assert witnessed(layout) == [0]
    add(layout, clock, 1)
    keeper.tick()
    assert witnessed(layout) == [0, 10]
    add(layout, clock, 3)
    clock.advance(59)
    keeper.tick()
    assert witnessed(layout) == [0, 10]
    clock.advance(1)
    keeper.tick()
    assert witnessed(layout) == [0, 10, 13]
    clock.advance(299)
    keeper.tick()
    assert witnessed(layout) == [0, 10, 13]
    clock.advance(1)
    keeper.tick()
    assert witnessed(layout) == [0, 10, 13, 13]  # the heartbeat: the service is alive and witnessing
    keeper.stop()
    assert witnessed(layout)[-1] == 13  # and a last time when it stops


def test_a_witness_reaches_the_journal_whatever_the_log_level(layout, caplog):
    conn = open_web_db(layout)
    head = audit.read_head(conn)
    conn.close()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # DOZOR_LOG_LEVEL=ERROR
    try:
        HeadWitness(layout.audit_anchor, journal=True).witness(head, ManualClock().now())
    finally:
        root.setLevel(level)
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.audit_anchor"]
    assert lines == [witness_line(head)]
    found = WITNESS_RE.search(lines[0])
    assert (int(found[1]), found[2], found[3]) == (head.entry_id, head.hash, head.log_id)


def test_under_journald_only_when_stderr_is_the_stream_systemd_named(monkeypatch):
    info = os.fstat(2)
    monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
    assert under_journald()
    monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino + 1}")  # inherited, stderr elsewhere
    assert not under_journald()
    monkeypatch.delenv("JOURNAL_STREAM")
    assert not under_journald()


def test_no_logged_text_can_pose_as_a_witnessed_head():
    """A user name typed at the sign-in form is logged; under journald each line of the stream is an
    entry of its own, so a line break would forge a witness line of the service."""
    forged = f"x\ndozor: accounts.audit_anchor: audit head: entry 99 hash {'0' * 64} log {'1' * 32}"
    record = logging.LogRecord("webui.auth", logging.INFO, __file__, 1, "sign-in failed for %s", (forged,),
                               None)
    line = _JournalFormatter("dozor: %(name)s: %(message)s").format(record)
    assert "\n" not in line and line.startswith("<6>dozor: webui.auth: sign-in failed for x\\n")


def test_the_quick_check_hashes_only_what_came_after_the_checkpoint(layout):
    clock = ManualClock()
    conn = insider(layout)
    row = {"at": 1.0, "actor": "olena", "ip": "10.0.0.5", "action": AuditAction.SEARCH, "target": "BE7",
           "detail": "{}"}
    rewrite(conn, [row] * (CHUNK + 5_000))  # a log the page has never checked
    conn.close()
    conn = open_web_db(layout)
    first = quick_check(conn, clock)
    assert (first.checked, first.complete, first.problems) == (CHUNK, False, [])  # bounded work
    second = quick_check(conn, clock)
    assert (second.checked, second.complete, second.checkpoint.entry_id) == (5_000, True, CHUNK)
    add(layout, clock, 3)
    third = quick_check(conn, clock)
    assert (third.checked, third.complete, third.problems) == (3, True, [])
    conn.close()


def test_an_edit_below_the_checkpoint_is_found_by_the_background_pass(layout):
    clock = ManualClock()
    add(layout, clock, 50)
    keeper = AuditKeeper(layout, clock, Viewings(clock), HeadWitness(layout.audit_anchor, journal=False))
    keeper.tick()  # checkpoint at 50, one full pass done
    assert keeper.problems == [] and keeper.swept_at is not None
    conn = insider(layout)
    with conn:
        conn.execute("UPDATE audit SET target = 'AA1' WHERE id = 7")
    conn.close()
    conn = open_web_db(layout)
    conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END")
    conn.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'x'); END")
    assert quick_check(conn, clock).problems == []  # what the page's quick check cannot see
    conn.close()
    keeper.tick()
    assert keeper.problems == ["entry 7 edited: its content does not match its hash"]


def test_status_shows_the_head_to_write_down(tmp_path, layout):
    clock = ManualClock()
    add(layout, clock, 4)
    HeadWitness(layout.audit_anchor, journal=False).witness(read_head(layout), clock.now())
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{layout.root}"\nmin_free_gb = 0\n')
    head = read_head(layout)
    text = CliRunner().invoke(main, ["status", "--config", str(config)]).output
    assert f"audit log head: 4:{head.hash}" in text and "last witnessed at entry 4" in text
    data = json.loads(CliRunner().invoke(main, ["status", "--json", "--config", str(config)]).output)
    assert data["audit"]["entry"] == 4 and data["audit"]["hash"] == head.hash
    assert data["audit"]["log"] == head.log_id and data["audit"]["witnessed"]["entry"] == 4


def read_head(layout):
    conn = open_web_db(layout)
    try:
        return audit.read_head(conn)
    finally:
        conn.close()


def test_checks_running_while_the_service_appends_report_nothing(layout):
    """The page's quick check and the full check read the entries and the head record as of one moment:
    an entry appended between the two reads must not look like an end cut off."""
    stop = threading.Event()

    def service() -> None:
        conn, clock = open_web_db(layout), ManualClock()
        while not stop.is_set():
            audit.append(conn, clock, actor="olena", ip="10.0.0.5", action=AuditAction.SEARCH, target="BE7")
        conn.close()

    writer = threading.Thread(target=service)
    writer.start()
    conn, clock, found, rounds = open_web_db(layout), ManualClock(), set(), 0
    deadline = time.monotonic() + 30
    try:
        while (rounds < 100 or audit.read_head(conn).entry_id < 300) and time.monotonic() < deadline:
            found.update(quick_check(conn, clock).problems)
            if rounds % 20 == 0:
                found.update(verify(conn)[1])
            rounds += 1
            time.sleep(0.001)  # let the writer take the GIL
        appended = audit.read_head(conn).entry_id
    finally:
        stop.set()
        writer.join()
        conn.close()
    assert appended >= 300, f"the writer appended only {appended} entries during {rounds} checks"
    assert found == set()
