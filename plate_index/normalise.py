"""Plate text normalisation: one spelling for what police type and what the OCR reads.

Ukrainian plates use the Cyrillic letters that look like Latin ones (А В Е І К М Н О Р С Т Х) and the
OCR writes them with their Latin twins, so a query typed on a Ukrainian keyboard is folded to Latin, upper
case, separators dropped: `ве7`, `ВЕ7`, `BE7` and `be-7` are one query. `fold` goes one step further for
tolerant search: characters the OCR confuses (0/O/D/Q, 1/I, 8/B, ...) become one class representative,
so `8E7` finds `BE7…`. Stored search keys are built with these same functions: changing a table below
needs a store migration that rebuilds the keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Cyrillic letters (upper and lower case) that have a Latin twin on plates.
CYRILLIC_TO_LATIN = str.maketrans(
    "АВЕІКМНОРСТХавеікмнорстх",
    "ABEIKMHOPCTXABEIKMHOPCTX",
)

# OCR confusion classes, each folded to its first member. On the 237 stills of ../shared/plates the
# OCR's one- and two-character mistakes were 0/O (4), 0/D, 8/B, B/Z, I/T, 1/J, 4/L, 3/Z, 8/9, 0/2 (1 each):
# only the classic classes recur, so no others are added (a wider class costs precision on every query).
CONFUSABLE_CLASSES = ("0ODQ", "1I", "8B", "5S", "2Z")
_FOLD = str.maketrans({ch: group[0] for group in CONFUSABLE_CLASSES for ch in group[1:]})

PLATE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
MIN_QUERY_CHARS = 3
MAX_PLATE_CHARS = 10  # the OCR has 10 character slots; nothing longer can ever be stored


class BadQuery(ValueError):
    """A search query or watchlist pattern that cannot be used. The CLI prints the message and exits 1;
    the web UI shows it above the search box (it is written for a police officer, not a developer),
    translated by `reason` (TOO_SHORT, TOO_LONG, BAD_CHARACTER with `character`, DUPLICATE, TOO_VAGUE:
    a wildcard query that only a read of the whole store could answer)."""

    TOO_SHORT, TOO_LONG, BAD_CHARACTER, DUPLICATE = "too_short", "too_long", "bad_character", "duplicate"
    TOO_VAGUE = "too_vague"

    def __init__(self, message: str, reason: str, character: str = ""):
        super().__init__(message)
        self.reason = reason
        self.character = character


def normalise(text: str) -> str:
    """Upper-case Latin A-Z0-9: Cyrillic look-alikes folded, separators and unknown characters dropped.

    Used on OCR output (already Latin) and on stored text; queries go through `parse_query`, which
    reports unknown letters instead of dropping them.
    """
    folded = unicodedata.normalize("NFKC", text).translate(CYRILLIC_TO_LATIN).upper()
    return "".join(ch for ch in folded if ch in PLATE_CHARS)


def fold(text: str) -> str:
    """`text` (already normalised) with OCR-confusable characters folded to one representative."""
    return text.translate(_FOLD)


def plate_start(query: str) -> str:
    """Oversight's key for "one plate searched again": every query for one plate, however much of it
    was typed (AA1, AA12, AA1234BB), on which keyboard, or with which look-alike (8E7 finds the BE7
    plates as tolerant matches), shares its key, so typing it differently under a new case does not make
    it another plate. The key is the first MIN_QUERY_CHARS characters with look-alikes folded
    (`fixed_start`); a query that does not fix them (`*1234BB`, `?A1234BB`, `AA?1234BB`) looks for a plate
    by its middle instead: its run of four or more digits (the number of a Ukrainian plate) is its key,
    else the query itself; "" for a query that can be neither. (A search whose query fixes no start also
    keeps the starts of the plates it found, `found_starts`, which oversight prefers to this key.)"""
    start = fixed_start(query)
    if start:
        return start
    folded = unicodedata.normalize("NFKC", query).translate(CYRILLIC_TO_LATIN).upper().strip()
    if "*" not in folded and "?" not in folded:
        return ""  # too short to be searched (the search refused it)
    digits = re.findall(r"[0-9]{4,}", folded)
    if digits:
        return "#" + max(digits, key=len)
    try:
        return "~" + parse_query(folded, wildcards="*?")
    except BadQuery:
        return ""


def fixed_start(query: str) -> str:
    """The first MIN_QUERY_CHARS characters of the plate a search looks for, with look-alikes folded
    (`fold`); "" when the query does not fix them (a wildcard among them, or too short)."""
    folded = unicodedata.normalize("NFKC", query).translate(CYRILLIC_TO_LATIN).upper().lstrip()
    if folded[:1] in ("*", "?"):
        return ""
    start = normalise(folded.split("*")[0].split("?")[0])
    return fold(start[:MIN_QUERY_CHARS]) if len(start) >= MIN_QUERY_CHARS else ""


def found_starts(query: str, plates: Iterable[str]) -> list[str]:
    """What a search's audit entry keeps for oversight when its query fixes no plate start (`*7123AA`,
    `?E7123AA`): the starts of the plates it found, which then stand for the query, so a leading
    wildcard does not hide that one plate was followed under changing cases, even mixed with queries
    typed from the start. [] when the query has a start of its own (`fixed_start`)."""
    if fixed_start(query):
        return []
    return sorted({plate[:MIN_QUERY_CHARS] for plate in plates if len(plate) >= MIN_QUERY_CHARS})


def parse_query(query: str, *, wildcards: str = "") -> str:
    """The normalised form of a typed query, or BadQuery saying what is wrong with it.

    Separators (spaces, '-', '.', '/', ...) are dropped; a letter that can be on no plate (Cyrillic Б,
    Ж, ...) is an error rather than silently dropped, so the officer learns that the layout is wrong.
    `wildcards` lists extra characters kept as they are (the watchlist's `*` and `?`).
    """
    folded = unicodedata.normalize("NFKC", query).translate(CYRILLIC_TO_LATIN).upper()
    out = []
    for ch in folded:
        if ch in PLATE_CHARS or ch in wildcards:
            out.append(ch)
        elif ch.isalnum():
            raise BadQuery(
                f"'{ch}' cannot be on a plate: type Latin letters, or the Cyrillic letters that look like "
                "them (А В Е І К М Н О Р С Т Х), and digits",
                BadQuery.BAD_CHARACTER,
                ch,
            )
    text = "".join(out)
    while "**" in text:  # one star already stands for any number of characters
        text = text.replace("**", "*")
    usable = sum(1 for ch in text if ch in PLATE_CHARS)
    if usable < MIN_QUERY_CHARS:
        raise BadQuery(
            f"type at least {MIN_QUERY_CHARS} characters of the plate (letters or digits)", BadQuery.TOO_SHORT
        )
    if usable + text.count("?") > MAX_PLATE_CHARS:  # a `?` stands for one character of the plate
        raise BadQuery(
            f"a plate has at most {MAX_PLATE_CHARS} characters; check the query", BadQuery.TOO_LONG
        )
    return text
