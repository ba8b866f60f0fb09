"""What the audit log says about a period, in numbers only: the transparency report's searches by
reason and outcome, exports (those that made a file: a failed one exported nothing), holds and
failed sign-ins.

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
class AccessFigures:
    searches: dict[str, Counter[Outcome]] = field(default_factory=dict)  # by case reason
    actions: Counter[AuditAction] = field(default_factory=Counter)

    @property
    def search_total(self) -> int:
        return sum(sum(outcomes.values()) for outcomes in self.searches.values())

    def outcome_total(self, outcome: Outcome) -> int:
        return sum(outcomes[outcome] for outcomes in self.searches.values())

    @property
    def failed_sign_ins(self) -> int:
        """Wrong passwords and attempts refused while an account or address was locked."""
        return self.actions[AuditAction.LOGIN_FAILED] + self.actions[AuditAction.LOGIN_LOCKED]


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
    return figures
