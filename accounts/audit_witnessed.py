"""The witnessed heads read back, and what they say about the audit log as it is now.

Sources: the systemd journal (journalctl; only lines whose trusted _SYSTEMD_UNIT field is one of
Dozor's units count, so another program's lookalike line is ignored), the anchor file, and heads
someone wrote down from the audit page or `dozor status` (`dozor audit verify --head`).
Every witnessed head must still be in the log with the same hash: a head past the log's end means
entries were cut off, another hash means the chain was recomputed after a change, another log id means
web.db was replaced. Only entries added after the last witness can go unnoticed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from accounts.audit_anchor import WITNESS_RE
from accounts.audit_chain import span
from edge.clock import from_epoch, parse_utc

JOURNAL_UNITS = ("dozor-web.service", "dozor.service")
JOURNALD_SOCKET = Path("/run/systemd/journal/socket")
JOURNAL_FOLDERS = (Path("/var/log/journal"), Path("/run/log/journal"))
_WRITTEN_RE = re.compile(r"^(\d+):([0-9a-f]{16,64})$")


@dataclass(frozen=True)
class Witnessed:
    entry_id: int
    hash: str  # a written-down head may carry only the first 16+ hex digits
    log_id: str | None  # None: a written-down head, taken to be of the current log
    at: datetime | None
    source: str

    def says(self) -> str:
        when = f" at {self.at.astimezone():%Y-%m-%d %H:%M:%S}" if self.at else ""
        return f"witnessed{when} ({self.source})"


@dataclass
class Reading:
    """Heads read from one source, or why that source could not be read (`unreadable`)."""

    heads: list[Witnessed]
    unreadable: str = ""
    skipped: int = 0  # lines that are not witness records
    absent: bool = False  # no such source here (no journal files, no anchor file)
    journal_used: bool = False  # the anchor file says the web service witnessed in the journal too


def from_journal(directory: Path | None = None) -> Reading:
    """Heads the web service wrote to the journal (the system journal, or the journal files under
    `directory`, e.g. copied from the appliance)."""
    if directory is None and not _system_journal():
        return Reading([], absent=True)  # no journald on this machine (a container, CI)
    command = ["journalctl", "--no-pager", "-o", "json", "--output-fields=MESSAGE"]
    if directory is not None:
        command += ["--directory", str(directory)]
    command += [f"_SYSTEMD_UNIT={unit}" for unit in JOURNAL_UNITS]
    try:
        # streamed: weeks of a busy service's lines need not fit in a Raspberry Pi's memory at once
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as done:
            assert done.stdout is not None and done.stderr is not None  # both are pipes
            heads = [head for line in done.stdout if (head := _journal_head(line))]
            errors = done.stderr.read()
    except FileNotFoundError:
        return Reading([], absent=True)  # no systemd here
    if "No journal files were found" in errors:
        return Reading([], absent=True)
    return Reading(heads, unreadable=journal_refused(done.returncode, errors))


def journal_refused(returncode: int, errors: str) -> str:
    """Why journalctl showed nothing of the system journal, "" if it did: a user outside root and the
    adm/systemd-journal groups sees no system journal, and journalctl says so only on stderr."""
    if returncode == 0 and "insufficient permissions" not in errors and "not seeing" not in errors:
        return ""
    why = errors.strip().splitlines()
    return why[0] if why else f"journalctl failed ({returncode})"


def _journal_head(line: str) -> Witnessed | None:
    record = json.loads(line)
    message = record.get("MESSAGE")
    found = WITNESS_RE.search(message) if isinstance(message, str) else None
    if not found:
        return None
    at = from_epoch(int(record["__REALTIME_TIMESTAMP"]) / 1e6)
    return Witnessed(int(found[1]), found[2], found[3], at, "journal")


def _system_journal() -> bool:
    """journald runs here, or has left journal files (readable or not)."""
    if JOURNALD_SOCKET.exists():
        return True
    try:
        return any(next(folder.glob("*/*.journal"), None) for folder in JOURNAL_FOLDERS if folder.is_dir())
    except OSError:
        return True


def from_anchor(path: Path) -> Reading:
    """Heads in the anchor file (no file: none)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return Reading([], absent=True)
    except OSError as exc:
        return Reading([], unreadable=f"cannot read {path}: {exc}")
    reading = Reading([])
    for line in lines:
        parsed = _anchor_line(line)
        if parsed is None:
            reading.skipped += 1
            continue
        reading.heads.append(parsed[0])
        reading.journal_used |= parsed[1]
    return reading


def latest_in_anchor(path: Path) -> Witnessed | None:
    """The anchor file's last head, read from its end (for `dozor status`)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 4096))
            tail = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in reversed(tail.splitlines()):
        parsed = _anchor_line(line)
        if parsed is not None:
            return parsed[0]
    return None


def _anchor_line(line: str) -> tuple[Witnessed, bool] | None:
    """(the head, whether the journal got it too) from one line of the anchor file; None if it is not one."""
    try:
        record = json.loads(line)
        head = Witnessed(int(record["entry"]), str(record["hash"]), str(record["log"]),
                         parse_utc(record["at"]), "anchor file")
        return head, record.get("journal") is True
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def written_down(text: str) -> Witnessed:
    """A head as written down: ENTRY:HASH, the hash in full or its first 16 hex digits at least."""
    found = _WRITTEN_RE.match(text.strip().lower())
    if not found:
        raise ValueError(f"{text!r} is not ENTRY:HASH (e.g. 1234:3f2a9c0b5d1e7f60)")
    return Witnessed(int(found[1]), found[2], None, None, "written down")


def compare(log: str | None, last_id: int, hash_at, witnessed: list[Witnessed]) -> list[str]:
    """What the witnessed heads say about the log now: `log` is its id (None: web.db is missing),
    `last_id` its last entry, `hash_at(id)` an entry's stored hash. [] when every head is still there."""
    by_log: dict[str | None, list[Witnessed]] = defaultdict(list)
    for head in witnessed:
        by_log[log if head.log_id is None else head.log_id].append(head)
    problems = []
    for other, heads in by_log.items():
        if other != log:
            problems += _other_log(other or "", log, heads)
    mine = by_log.get(log, []) if log is not None else []
    within = sorted((h for h in mine if 0 < h.entry_id <= last_id), key=lambda h: h.entry_id)
    changed = [h for h in within if not (hash_at(h.entry_id) or "").startswith(h.hash)]
    if changed:
        first = changed[0]
        kept = [h.entry_id for h in within if h.entry_id < first.entry_id and h not in changed]
        since = max(kept, default=0) + 1
        problems.append(
            f"the log was rewritten and its chain recomputed: entry {first.entry_id} no longer has the hash "
            f"{first.says()}; the change lies in {span(since, first.entry_id)}"
        )
    beyond = [h for h in mine if h.entry_id > last_id]
    if beyond:
        top = max(beyond, key=lambda h: h.entry_id)
        if last_id == 0:
            problems.append(
                f"the log was emptied: it has no entries, but entry {top.entry_id} was {top.says()}"
            )
        else:
            problems.append(
                f"{span(last_id + 1, top.entry_id)} removed from the end of the log: it ends at entry "
                f"{last_id}, but entry {top.entry_id} was {top.says()}"
            )
    return problems


def _other_log(other: str, log: str | None, heads: list[Witnessed]) -> list[str]:
    top = max(heads, key=lambda h: h.entry_id)
    if top.entry_id == 0:
        return []  # an empty log was replaced: nothing was lost
    if log is None:
        return [f"web.db is missing (deleted?): its log {other[:8]} had {top.entry_id} entries when "
                f"{top.says()}"]
    return [f"web.db was replaced: the log {other[:8]} had {top.entry_id} entries when {top.says()}; "
            f"this web.db holds another log ({log[:8]})"]
