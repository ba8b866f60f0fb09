"""The audit log: who looked at which plate data, video or export, and every login and account change.

Rows are append-only (web.db triggers refuse UPDATE/DELETE) and hash-chained: each row's hash covers
its own fields and the previous row's hash, ids are contiguous, and `audit_head` remembers the last id
and hash. Editing a row, deleting one in the middle or cutting off the end is therefore detected by
`verify` (`dozor audit verify`), which names the entries concerned. Each new hash is also logged, so
journald keeps an independent copy of the chain's progress.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.clock import Clock, from_epoch, to_epoch

log = logging.getLogger(__name__)

GENESIS = "0" * 64

LOGIN_OK = "login_ok"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED = "login_locked"
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
AIM_VIEW = "aim_view"  # an admin saw the aiming aid's live picture of a camera (it shows plates)
ACTIONS = (
    LOGIN_OK,
    LOGIN_FAILED,
    LOGIN_LOCKED,
    LOGOUT,
    SEARCH,
    SIGHTING_VIEW,
    VIDEO_VIEW,
    EXPORT,
    USER_ADD,
    USER_DISABLE,
    USER_ENABLE,
    USER_PASSWORD,
    WATCHLIST_VIEW,
    WATCHLIST_ADD,
    WATCHLIST_REMOVE,
    ALERTS_VIEW,
    AIM_VIEW,
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    ip: str
    action: str
    target: str
    detail: dict[str, Any]


def _digest(
    entry_id: int, at: float, actor: str, ip: str, action: str, target: str, detail: str, prev_hash: str
) -> str:
    canonical = json.dumps(
        [entry_id, at, actor, ip, action, target, detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    conn: sqlite3.Connection,
    clock: Clock,
    *,
    actor: str,
    ip: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the end of the chain (one short write transaction, safe across processes)."""
    at = to_epoch(clock.now())
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        head = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE one = 1").fetchone()
        last_id, prev_hash = (head["last_id"], head["last_hash"]) if head else (0, GENESIS)
        entry_id = last_id + 1
        digest = _digest(entry_id, at, actor, ip, action, target, detail_text, prev_hash)
        conn.execute(
            "INSERT INTO audit (id, at, actor, ip, action, target, detail, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, at, actor, ip, action, target, detail_text, prev_hash, digest),
        )
        conn.execute(
            "INSERT INTO audit_head (one, last_id, last_hash) VALUES (1, ?, ?)"
            " ON CONFLICT(one) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash",
            (entry_id, digest),
        )
    log.info("audit entry %d %s by %s, chain hash %s", entry_id, action, actor, digest[:16])
    return AuditEntry(entry_id, from_epoch(at), actor, ip, action, target, detail or {})


def entries(
    conn: sqlite3.Connection,
    *,
    actor: str = "",
    action: str = "",
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first, optionally filtered; `before_id` pages backwards."""
    sql, args = "SELECT * FROM audit WHERE 1=1", []
    if actor:
        sql, args = sql + " AND actor = ?", [*args, actor]
    if action:
        sql, args = sql + " AND action = ?", [*args, action]
    if before_id is not None:
        sql, args = sql + " AND id < ?", [*args, before_id]
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])
    return [
        AuditEntry(
            r["id"],
            from_epoch(r["at"]),
            r["actor"],
            r["ip"],
            r["action"],
            r["target"],
            json.loads(r["detail"]),
        )
        for r in rows
    ]


def verify(conn: sqlite3.Connection) -> tuple[int, list[str]]:
    """Check the whole chain. Returns (entries checked, problems); no problems = intact."""
    problems: list[str] = []
    expected_id, expected_prev, count, last_hash = 1, GENESIS, 0, GENESIS
    for row in conn.execute("SELECT * FROM audit ORDER BY id"):
        count += 1
        gap = row["id"] != expected_id
        if gap:
            problems.append(
                f"{_span(expected_id, row['id'] - 1)} deleted (ids jump from "
                f"{expected_id - 1} to {row['id']})"
            )
        recomputed = _digest(
            row["id"],
            row["at"],
            row["actor"],
            row["ip"],
            row["action"],
            row["target"],
            row["detail"],
            row["prev_hash"],
        )
        if recomputed != row["hash"]:
            problems.append(f"entry {row['id']} edited: its content does not match its hash")
        elif not gap and row["prev_hash"] != expected_prev:
            problems.append(
                f"entry {row['id'] - 1} edited or replaced: entry {row['id']} points at a different hash"
            )
        expected_id, expected_prev, last_hash = row["id"] + 1, row["hash"], row["hash"]
    head = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE one = 1").fetchone()
    head_id, head_hash = (head["last_id"], head["last_hash"]) if head else (0, GENESIS)
    if head_id > expected_id - 1:
        problems.append(f"{_span(expected_id, head_id)} deleted from the end of the log")
    elif head_id < expected_id - 1 or head_hash != last_hash:
        problems.append(f"entry {expected_id - 1} edited, or the log's head record was tampered with")
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    if not {"audit_no_update", "audit_no_delete"} <= triggers:
        problems.append("the append-only triggers of the audit table were removed")
    return count, problems


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first}-{last}"
