"""`dozor audit verify`: is the web UI's audit log whole? The hash chain, and every head witnessed outside
web.db (the systemd journal, the anchor file, heads written down by hand) must still be in it.

Exit status 0: intact and anchored; 1: tampered with (each finding named: entries edited, cut off the
end, removed and re-chained, the log emptied, web.db deleted or replaced); 2: the chain is intact but
could not be checked against a witness (none found, or the journal is not readable by this user).

Run it as root (`sudo dozor audit verify --config ...`): only root and the adm/systemd-journal groups
read the system journal. web.db is opened read-only (SQLite gives the -wal and -shm files it may create
the database's owner, so root leaves nothing the web service cannot write).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from dozor.cli.common import config_option, fail, load_or_exit
from edge.clock import parse_utc

OK, TAMPERED, UNANCHORED = 0, 1, 2


@click.group("audit")
def audit_group() -> None:
    """The audit log of the web UI."""


@audit_group.command("verify")
@config_option
@click.option("--head", "heads", multiple=True, metavar="ENTRY:HASH",
              help="A head written down from the audit page or `dozor status` (hash: 16+ hex digits).")
@click.option("--journal-directory", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Read the journal files in this folder (e.g. copied off the appliance), not the system's.")
@click.option("--since", help="Ignore heads witnessed before this time (ISO-8601), e.g. after a deliberate "
              "reset of web.db; say why in the site's records.")
def verify(
    config_path: str, heads: tuple[str, ...], journal_directory: Path | None, since: str | None
) -> None:
    """Check the hash chain and the witnessed heads; name what was edited, cut, rewritten or deleted."""
    from accounts.audit_witnessed import from_anchor, from_journal, written_down
    from edge.layout import DataLayout

    config = load_or_exit(config_path)
    layout = DataLayout(config.storage.path)
    try:
        written = [written_down(text) for text in heads]
        not_before = parse_utc(since) if since else None
    except ValueError as exc:
        fail(str(exc))
        return
    journal = from_journal(journal_directory)
    anchor = from_anchor(layout.audit_anchor)
    witnessed = [h for h in journal.heads + anchor.heads
                 if not_before is None or (h.at is not None and h.at >= not_before)]
    checked, problems, last_id = _check_log(layout.web_db, witnessed + written)
    for line in _sources(journal, anchor, layout.audit_anchor, written):
        click.echo(line)
    warnings = _warnings(journal, anchor, witnessed + written, last_id)
    if problems:
        for problem in problems:
            click.echo(f"TAMPERED: {problem}", err=True)
        click.echo(f"audit log NOT intact: {len(problems)} problem(s), {checked} entries checked", err=True)
        sys.exit(TAMPERED)
    if warnings:
        for warning in warnings:
            click.echo(f"NOT CHECKED: {warning}", err=True)
        click.echo(f"hash chain intact ({checked} entries), but not checked against a witness", err=True)
        sys.exit(UNANCHORED)
    if checked == 0 and not witnessed:
        click.echo("no audit log yet: nothing was recorded or witnessed")
        return
    click.echo(f"audit log intact: {checked} entries, hash chain verified, every witnessed head present")


def _check_log(web_db: Path, witnessed: list) -> tuple[int, list[str], int]:
    """(entries checked, problems, last entry id) for web.db and the witnessed heads."""
    from accounts.audit import hash_of, log_id
    from accounts.audit_chain import verify as verify_chain
    from accounts.audit_witnessed import compare
    from edge.db import connect

    if not web_db.exists():
        return 0, compare(None, 0, lambda _entry: None, witnessed), 0
    if not os.access(web_db, os.R_OK):
        fail(f"cannot read {web_db}: run as root (sudo) or as the dozor user")
    conn = connect(web_db, readonly=True)
    try:
        checked, problems = verify_chain(conn)
        last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
        problems += compare(log_id(conn), last_id, lambda entry: hash_of(conn, entry), witnessed)
    except sqlite3.DatabaseError as exc:
        return 0, [f"web.db cannot be read as an audit log ({exc}): replaced or damaged"], 0
    finally:
        conn.close()
    return checked, problems, last_id


def _sources(journal, anchor, anchor_path: Path, written: list) -> list[str]:
    """One line per witness source: how many heads, the latest, or why none."""
    lines = []
    for name, reading in (("journal", journal), (f"anchor file {anchor_path}", anchor)):
        if reading.unreadable:
            lines.append(f"{name}: not readable: {reading.unreadable}")
        elif reading.absent:
            lines.append(f"{name}: none here")
        else:
            latest = max(reading.heads, key=lambda h: h.entry_id, default=None)
            newest = f", the highest entry {latest.entry_id} {latest.says()}" if latest else ""
            lines.append(f"{name}: {len(reading.heads)} witnessed head(s){newest}")
    if written:
        lines.append(f"written down: {len(written)} head(s)")
    return lines


def _warnings(journal, anchor, witnessed: list, last_id: int) -> list[str]:
    """Why the log, though its chain is intact, is not proven whole."""
    warnings = []
    if anchor.journal_used and journal.unreadable:
        warnings.append(f"the journal could not be read ({journal.unreadable}); run as root")
    elif anchor.journal_used and not journal.heads:
        warnings.append("the web service witnessed heads in the journal, but this journal holds none "
                        "(another machine? give its files with --journal-directory)")
    if anchor.skipped:
        warnings.append(f"{anchor.skipped} line(s) of the anchor file are not witnessed heads")
    if last_id and not witnessed:
        warnings.append(f"no witnessed head: neither the journal nor the anchor file holds one, so entries "
                        f"cut off the end or a recomputed chain would not show (log of {last_id} entries)")
    return warnings


COMMANDS = [audit_group]
