"""Lines an insider appends to the anchor file (all that `chattr +a` lets the `dozor` user do) can only
ever raise a false alarm: the web service goes on witnessing, and `dozor audit verify` names the lines
it could not read instead of dying with a traceback."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from accounts.audit_witnessed import from_anchor, latest_in_anchor
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout

POISON = [
    '{"entry": 1e400, "hash": "00", "log": "00", "at": "2026-01-01T00:00:00Z"}',  # int(inf): OverflowError
    '{"entry": NaN, "hash": "00", "log": "00", "at": "2026-01-01T00:00:00Z"}',
    '{"entry": 5, "hash": "00", "log": "00", "at": "99999-01-01T00:00:00Z"}',
    '{"entry": 5, "hash": "00", "log": "00", "at": 1e400}',
    "[1, 2, 3]",
]


def _witnessed_lines(layout: DataLayout) -> int:
    return sum(1 for line in layout.audit_anchor.read_text().splitlines() if '"journal"' in line)


@pytest.mark.parametrize("line", POISON)
def test_a_line_that_is_no_head_is_skipped(tmp_path, line):
    anchor = tmp_path / "audit-anchor.jsonl"
    anchor.write_text(line + "\n")
    reading = from_anchor(anchor)
    assert (reading.heads, reading.skipped) == ([], 1)
    assert latest_in_anchor(anchor) is None


def test_one_appended_anchor_line_does_not_stop_the_witnessing_or_crash_verify(tmp_path, web, data_dir):
    layout = DataLayout(data_dir)
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    clock = ManualClock(datetime.now(UTC))
    first = web.app(clock=clock)
    first.extensions["dozor_audit_keeper"].tick()  # witnesses the head at start
    first.extensions["dozor_audit_keeper"]._stop.set()  # the process is killed (kill -9: no last round)
    with layout.audit_anchor.open("a") as anchor:  # the insider appends one line
        anchor.write(POISON[0] + "\n")
    app = web.app(clock=clock)  # systemd restarts the web service
    keeper = app.extensions["dozor_audit_keeper"]
    police = web.client("police", app=app)
    before = _witnessed_lines(layout)
    for n in range(30):
        police.get(f"/api/search?q=BE{n:02d}")
        clock.advance(2)
        with contextlib.suppress(Exception):  # the keeper's thread logs it and tries again in 5 s
            keeper.tick()
    clock.advance(400)
    with contextlib.suppress(Exception):
        keeper.tick()
    keeper._stop.set()
    assert _witnessed_lines(layout) > before, "31 entries later the web service has witnessed nothing"
    result = CliRunner().invoke(main, ["audit", "verify", "--config", str(config)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"dozor audit verify crashed: {result.exception!r}")
    assert result.exit_code == 2, result.output
    assert "1 line(s) of the anchor file are not witnessed heads" in result.output
    assert "every witnessed head present, but not everything could be checked" in result.output
