"""The audit log: who looked at which plate data, video or export, and every login and account change.

Rows are append-only (web.db triggers refuse UPDATE/DELETE) and hash-chained: each row's hash covers
its own fields and the previous row's hash, ids are contiguous, and `audit_head` remembers the last id
and hash. Editing a row, deleting one in the middle or cutting off the end is therefore detected by
`accounts.audit_chain` (`dozor audit verify`). Whoever can write web.db can also recompute the whole
chain, so the head is witnessed outside the file as well (accounts.audit_anchor).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from accounts.cases import Case
from edge.clock import Clock, from_epoch, to_epoch

log = logging.getLogger(__name__)

GENESIS = "0" * 64

class AuditAction(StrEnum):
    """What an audit entry records. The values are what the log stores and its hash chain covers, so
    they never change; a new action is a new member (and a label in webui/i18n.py)."""

    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    LOGIN_LOCK_ENDED = "login_lock_ended"
    LOGOUT = "logout"
    SEARCH = "search"
    SIGHTING_VIEW = "sighting_view"
    VIDEO_VIEW = "video_view"
    EXPORT = "export"
    USER_ADD = "user_add"
    USER_DISABLE = "user_disable"
    USER_ENABLE = "user_enable"
    USER_PASSWORD = "user_password"  # noqa: S105 - an action name, not a password
    WATCHLIST_VIEW = "watchlist_view"
    WATCHLIST_ADD = "watchlist_add"
    WATCHLIST_REMOVE = "watchlist_remove"
    ALERTS_VIEW = "alerts_view"
    SIGHTING_PICTURE = "sighting_picture"  # a plate or scene picture not shown by a sighting page or search
    LIVE_VIEW = "live_view"  # a camera's live pictures or live video, from the first picture or byte
    LIVE_VIEW_END = "live_view_end"  # ... and when it ended, with its duration
    AUDIT_VIEW = "audit_view"  # the audit log itself shows searched plates
    AIM_VIEW = "aim_view"  # an admin saw the aiming aid's live picture of a camera (it shows plates)
    CASE_CHOSEN = "case_chosen"  # the first case of a session (accounts.cases), with its note
    CASE_CHANGED = "case_changed"  # ... and each later one, with the case it replaced
    HOLD_PLACED = "hold_placed"  # a case hold: video (and sightings) of a camera kept until a date
    HOLD_RELEASED = "hold_released"  # ... released by hand
    HOLD_ENDED = "hold_ended"  # ... reached its end date (written by the daemon, actor "system")
    PASSES_VIEW = "passes_view"  # a page of one camera's passes in a time window, with plate pictures
    ALERT_ACK = "alert_ack"  # a watchlist alert acknowledged in the web UI (who, when)
    TIMELINE_SIGHTINGS = "timeline_sightings"  # the recordings timeline marked a camera's sightings
    SUBJECT_LOOKUP = "subject_lookup"  # an admin looked up a plate to answer its owner's request
    LIVE_REPLAY = "live_replay"  # the last 30 s of a camera's recording replayed from the live grid
    LOGIN_REFUSALS = "login_refusals"  # sign-ins a lock refused in a month that ended while it went on


@dataclass(frozen=True)
class Head:
    """The chain's last entry: what is witnessed outside web.db (accounts.audit_anchor) and shown in
    `dozor status` and on the audit page, so it can be written down or published."""

    entry_id: int
    hash: str
    log_id: str  # random per web.db (migration 2): tells a replaced web.db from an emptied log

    def text(self) -> str:
        return f"entry {self.entry_id}, hash {self.hash}, log {self.log_id}"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    ip: str
    action: str  # an AuditAction's value (entries written by another version may hold others)
    target: str
    detail: dict[str, Any]
    case_number: str = ""  # the case the entry was written for (accounts.cases); "" for none
    case_reason: str = ""


def _digest(
    entry_id: int,
    at: float,
    actor: str,
    ip: str,
    action: str,
    target: str,
    detail: str,
    prev_hash: str,
    case: tuple[str, str] = ("", ""),
) -> str:
    """The entry's hash. The case is covered when there is one; an entry without a case hashes exactly
    as entries did before cases existed (web.db migration 4), so older logs still verify."""
    fields: list[Any] = [entry_id, at, actor, ip, action, target, detail, prev_hash]
    if any(case):
        fields += list(case)
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def case_of(row: sqlite3.Row) -> tuple[str, str]:
    """(case number, reason) of a stored row; ("", "") in a web.db from before migration 4."""
    if "case_number" not in row.keys():  # noqa: SIM118 - `in` on a Row looks at its values
        return "", ""
    return row["case_number"], row["case_reason"]


def append(
    conn: sqlite3.Connection,
    clock: Clock,
    *,
    actor: str,
    ip: str,
    action: AuditAction,
    target: str = "",
    detail: dict[str, Any] | None = None,
    case: Case | None = None,
    in_transaction: bool = False,
) -> AuditEntry:
    """Add one entry at the end of the chain (one short write transaction, safe across processes),
    written for `case` if given. With `in_transaction`, inside the write transaction the caller opened
    (BEGIN IMMEDIATE) on web.db instead: the entry and the change it tells of are committed together,
    or neither is (how the sign-in lockout hands its counts of refused attempts to the log)."""
    at = to_epoch(clock.now())
    case_fields = (case.number, case.reason) if case else ("", "")
    action_code = AuditAction(action).value  # the stored and hashed text
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    with nullcontext() if in_transaction else conn:
        if not in_transaction:
            conn.execute("BEGIN IMMEDIATE")
        head = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE one = 1").fetchone()
        last_id, prev_hash = (head["last_id"], head["last_hash"]) if head else (0, GENESIS)
        entry_id = last_id + 1
        digest = _digest(entry_id, at, actor, ip, action_code, target, detail_text, prev_hash, case_fields)
        conn.execute(
            "INSERT INTO audit (id, at, actor, ip, action, target, detail, prev_hash, hash, case_number,"
            " case_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, at, actor, ip, action_code, target, detail_text, prev_hash, digest, *case_fields),
        )
        conn.execute(
            "INSERT INTO audit_head (one, last_id, last_hash) VALUES (1, ?, ?)"
            " ON CONFLICT(one) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash",
            (entry_id, digest),
        )
    log.debug("audit entry %d %s by %s, chain hash %s", entry_id, action_code, actor, digest[:16])
    return AuditEntry(entry_id, from_epoch(at), actor, ip, action_code, target, detail or {}, *case_fields)


def entries(
    conn: sqlite3.Connection,
    *,
    actor: str = "",
    action: str = "",
    case_number: str = "",
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first, optionally filtered; `before_id` pages backwards."""
    sql, args = "SELECT * FROM audit WHERE 1=1", list[Any]()
    if actor:
        sql, args = sql + " AND actor = ?", [*args, actor]
    if action:
        sql, args = sql + " AND action = ?", [*args, action]
    if case_number:
        sql, args = sql + " AND case_number = ?", [*args, case_number]
    if before_id is not None:
        sql, args = sql + " AND id < ?", [*args, before_id]
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])
    return [entry_of(r) for r in rows]


def entry_of(r: sqlite3.Row) -> AuditEntry:
    """A stored row as an entry."""
    return AuditEntry(
        r["id"], from_epoch(r["at"]), r["actor"], r["ip"], r["action"], r["target"], json.loads(r["detail"]),
        *case_of(r),
    )


def read_head(conn: sqlite3.Connection) -> Head:
    row = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE one = 1").fetchone()
    last_id, last_hash = (row["last_id"], row["last_hash"]) if row else (0, GENESIS)
    return Head(last_id, last_hash, log_id(conn))


def log_id(conn: sqlite3.Connection) -> str:
    """This web.db's log id ("" in a web.db from before migration 2, opened read-only)."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'audit_log_id'").fetchone()
    return row["value"] if row else ""


def hash_of(conn: sqlite3.Connection, entry_id: int) -> str | None:
    """The stored hash of entry `entry_id` (GENESIS for 0), None when there is no such entry."""
    if entry_id == 0:
        return GENESIS
    row = conn.execute("SELECT hash FROM audit WHERE id = ?", (entry_id,)).fetchone()
    return row["hash"] if row else None
