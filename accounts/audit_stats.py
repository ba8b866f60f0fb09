"""What the audit log says about a period, in numbers only: the transparency report's searches by
reason and outcome, exports (those that made a file: a failed one exported nothing), holds and
failed sign-ins.

A failed sign-in is counted in the month it was made: each wrong user name or password has its own
entry, but attempts refused while a name or address is locked are counted by the lock (webui.lockout)
and written as one count per lock and month (`login_lock_ended`, `login_refusals`, their `since` in
that month), possibly much later; a count not written yet is still in web.db's `login_locks` and is
added from there (`SignIns.not_yet_logged`).

Nothing here returns an entry's target or detail (a search's target is plate text): the figures are
meant to be published. A search's outcome is the number of sightings it found, which the search writes
into its entry (`results`); an entry without it (a refused query, or one written before the count
existed) is counted as outcome "unknown" rather than guessed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from accounts.audit import AuditAction
from accounts.audit_chain import snapshot


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


NO_CASE = ""  # the reason of searches made without a case (while [access] require_case is off)
COUNTED = (
    AuditAction.SEARCH, AuditAction.EXPORT, AuditAction.HOLD_PLACED, AuditAction.HOLD_RELEASED,
    AuditAction.HOLD_ENDED, AuditAction.LOGIN_FAILED, AuditAction.LOGIN_LOCKED, AuditAction.SUBJECT_LOOKUP,
)


@dataclass
class SignIns:
    """Failed sign-ins of a period, each in the period it was made."""

    wrong_password: int = 0  # wrong user name or password (`login_failed`)
    refused_while_locked: int = 0  # refused unchecked: too many wrong passwords for the name or address
    not_yet_logged: int = 0  # of those, counted by a lock whose count is not in the audit log yet
    locks: int = 0  # names or addresses locked (`login_locked`)

    @property
    def failed(self) -> int:
        return self.wrong_password + self.refused_while_locked


@dataclass
class AccessFigures:
    searches: dict[str, Counter[Outcome]] = field(default_factory=dict)  # by case reason
    actions: Counter[AuditAction] = field(default_factory=Counter)
    sign_ins: SignIns = field(default_factory=SignIns)

    @property
    def search_total(self) -> int:
        return sum(sum(outcomes.values()) for outcomes in self.searches.values())

    def outcome_total(self, outcome: Outcome) -> int:
        return sum(outcomes[outcome] for outcomes in self.searches.values())

    @property
    def failed_sign_ins(self) -> int:
        """Wrong passwords and attempts refused while an account or address was locked."""
        return self.sign_ins.failed


def outcome_of(detail: dict) -> Outcome:
    results = detail.get("results")
    if not isinstance(results, int) or isinstance(results, bool):
        return Outcome.UNKNOWN
    return Outcome.FOUND if results > 0 else Outcome.NOT_FOUND


def access_figures(conn: sqlite3.Connection, since: datetime, until: datetime) -> AccessFigures:
    """The counted actions of entries written in [since, until)."""
    figures = AccessFigures()
    marks = ",".join("?" * len(COUNTED))
    rows = conn.execute(
        f"SELECT action, case_reason, detail FROM audit WHERE at >= ? AND at < ? AND action IN ({marks})",  # noqa: S608 - placeholders only
        (since.timestamp(), until.timestamp(), *[a.value for a in COUNTED]),
    )
    for action, reason, detail in rows:
        if action == AuditAction.EXPORT and "failed" in json.loads(detail):
            continue  # nothing left the appliance (the oversight page still shows the attempt)
        figures.actions[AuditAction(action)] += 1
        if action == AuditAction.SEARCH:
            figures.searches.setdefault(reason, Counter())[outcome_of(json.loads(detail))] += 1
    figures.sign_ins = sign_ins(conn, since, until, figures.actions)
    return figures


def sign_ins(
    conn: sqlite3.Connection, since: datetime, until: datetime, actions: Counter[AuditAction]
) -> SignIns:
    """The failed sign-ins made in [since, until): wrong passwords by their entries, refusals by the
    lock counts that began in the period, written to the log (at any later time) or not yet. Both are
    read in one read transaction: a count moving from `login_locks` into the log meanwhile is seen in
    exactly one of them."""
    start, end = since.timestamp(), until.timestamp()
    refused = pending = 0
    with snapshot(conn):
        rows = conn.execute(
            "SELECT detail FROM audit WHERE at >= ? AND action IN (?, ?)",
            (start, AuditAction.LOGIN_LOCK_ENDED.value, AuditAction.LOGIN_REFUSALS.value),
        ).fetchall()
        for (detail,) in rows:
            count = json.loads(detail)
            if start <= _epoch(count.get("since")) < end:
                refused += _number(count.get("refused"))
        try:
            pending = conn.execute(
                "SELECT COALESCE(SUM(refused), 0) FROM login_locks WHERE started >= ? AND started < ?",
                (start, end),
            ).fetchone()[0]
        except sqlite3.OperationalError:  # a web.db from before the lockout kept its counts (migration 2)
            pending = 0
    wrong, locks = actions[AuditAction.LOGIN_FAILED], actions[AuditAction.LOGIN_LOCKED]
    return SignIns(wrong, refused + pending, pending, locks)


def _epoch(text: object) -> float:
    """An entry's UTC ISO time as epoch seconds; -1 for anything else (never inside a period)."""
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return -1.0


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
