"""Witnessing the audit log's head outside web.db, where the `dozor` user cannot rewrite it.

Whoever can write web.db (the web service runs as `dozor`) can cut entries off the end, or remove one
and recompute the whole chain, and the chain alone still looks intact. So the web service writes the
head (entry id, hash, log id) down elsewhere (when: webui.audit_keeper):
- to the systemd journal when it runs under systemd (its stderr is the journal stream). journald stamps
  each line with the unit that wrote it (_SYSTEMD_UNIT, which no process can set for itself), and only
  root can rewrite or delete the journal;
- always to the anchor file <storage.path>/audit-anchor.jsonl, one JSON object per line, appended.
  The `dozor` user owns it, so it protects only once made append-only (`chattr +a`: install-system does
  it) or copied off the machine; it is what there is where no journald runs (CI, containers).
`dozor audit verify` reads both back (accounts.audit_witnessed).
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime
from pathlib import Path

from accounts.audit import Head
from edge.clock import utc_iso

log = logging.getLogger(__name__)
# A witness line is written whatever the log level: the root logger's level does not filter records of a
# logger that has its own.
log.setLevel(logging.INFO)

WITNESS_RE = re.compile(r"audit head: entry (\d+) hash ([0-9a-f]{64}) log ([0-9a-f]{32})$")


def witness_line(head: Head) -> str:
    """The journal message of a witnessed head (WITNESS_RE reads it back)."""
    return f"audit head: entry {head.entry_id} hash {head.hash} log {head.log_id}"


def under_journald() -> bool:
    """This process's stderr is the systemd journal: JOURNAL_STREAM names the device and inode of the
    stream systemd connected (a shell started from a unit inherits the variable, not the stream)."""
    stream = os.environ.get("JOURNAL_STREAM", "")
    try:
        info = os.fstat(2)
    except OSError:
        return False
    return bool(stream) and stream == f"{info.st_dev}:{info.st_ino}"


class HeadWitness:
    """Writes heads to the journal (when under journald) and to the anchor file."""

    def __init__(self, anchor: Path, *, journal: bool | None = None):
        self.anchor = anchor
        self.journal = under_journald() if journal is None else journal

    def witness(self, head: Head, at: datetime) -> None:
        if self.journal:
            log.info("%s", witness_line(head))
        record = {
            "at": utc_iso(at),
            "entry": head.entry_id,
            "hash": head.hash,
            "log": head.log_id,
            "journal": self.journal,
        }
        try:
            append_line(self.anchor, json.dumps(record))
        except OSError as exc:  # a full disk: the journal's copy still stands, the next witness retries
            log.error("cannot write the audit anchor %s: %s", self.anchor, exc)


def append_line(path: Path, line: str) -> None:
    """Append one line with O_APPEND (the only write an append-only file allows) and sync it, so a
    power cut does not lose a head the log already went past."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
