"""The case an access to plate data is made for: a case or incident number, a reason from the
configured list, an optional note.

A search with no stated purpose cannot be reviewed afterwards: an overseer can see that someone looked,
not why. With a case on every entry, the audit log answers "was this search part of a real
investigation?", and the transparency report can count searches by reason. Free text alone is what
civil-liberties reviews call accountability theatre, so the number has a configured format and the
reason comes from a configured list (`[access]` in the config).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from edge.config import AccessConfig

NOTE_LIMIT = 500
# Latin letters that look like Cyrillic ones, and Є (EO is how "ЄО" is typed on a Latin keyboard):
# one case number written on either keyboard is one case (case_key).
_LOOK_ALIKES = str.maketrans("ABCEHIKMOPTXYЄ", "АВСЕНІКМОРТХУЕ")


class CaseProblem(StrEnum):
    """Why a case was refused (turned into words where shown: webui.blueprints.cases, the CLI)."""

    BAD_NUMBER = "bad_number"
    UNKNOWN_REASON = "unknown_reason"
    NOTE_TOO_LONG = "note_too_long"


class CaseRefused(ValueError):
    def __init__(self, problem: CaseProblem):
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Case:
    number: str
    reason: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "reason": self.reason, "note": self.note}

    @classmethod
    def from_dict(cls, data: Any) -> Case | None:
        """A case kept in a session, or None when there is none (or it is not one)."""
        if not isinstance(data, dict) or not data.get("number") or not data.get("reason"):
            return None
        return cls(str(data["number"]), str(data["reason"]), str(data.get("note", "")))

    def text(self) -> str:
        return f"{self.number} ({self.reason})"


def case_key(number: str) -> str:
    """One key for every way of writing one case number ("ЄО 4512", "EO 4512", "ЄО №4512", "ЄО 04512"):
    letters folded to Cyrillic, separators and signs dropped, leading zeros of digit runs dropped. What
    oversight groups entries by, so spreading searches over the spellings of one case hides nothing."""
    text = unicodedata.normalize("NFKC", number.replace("№", " ")).upper().translate(_LOOK_ALIKES)
    text = "".join(ch for ch in text if ch.isalnum())
    return re.sub(r"\d+", lambda digits: digits[0].lstrip("0") or "0", text)


def make_case(access: AccessConfig, number: str, reason: str, note: str = "") -> Case:
    """A case checked against the configured format and reasons; CaseRefused says what is wrong."""
    number = " ".join(number.split())
    if not number or not re.fullmatch(access.case_pattern, number):
        raise CaseRefused(CaseProblem.BAD_NUMBER)
    if reason not in access.reasons:
        raise CaseRefused(CaseProblem.UNKNOWN_REASON)
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise CaseRefused(CaseProblem.NOTE_TOO_LONG)
    return Case(number, reason, note)


def english(problem: CaseProblem, access: AccessConfig) -> str:
    """The CLI's words for a refused case."""
    if problem is CaseProblem.BAD_NUMBER:
        return f"the case number does not have the configured format (e.g. {access.case_example})"
    if problem is CaseProblem.UNKNOWN_REASON:
        return f"the reason must be one of: {', '.join(access.reasons)}"
    return f"the note is longer than {NOTE_LIMIT} characters"
