"""Oversight of plate-data access for admins: the audit entries of a week that deserve a second look.

The log records everything; nobody reads everything. These flags point at the patterns that reviews
of police plate databases name as misuse: searches at hours nobody is on duty, one case used as a
blanket for many searches, one user following one plate under changing case numbers (a person tracked
for private reasons hides behind different cases: a query that starts with a wildcard counts for the
plates it found, and opening a sighting, whose page shows its plate's route, for that plate), and every
export (video leaving the appliance).
Holds near their end are the fifth flag; they live in holds.db and are counted by the caller
(recorder.holds.ending_within). A flag carries who, when, which case and the entries behind it, never
a plate's text: the admin follows the entry ids into the audit log, which is itself audited.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from accounts.audit import AuditAction, AuditEntry, entry_of
from accounts.cases import case_key
from edge.config import OversightConfig
from edge.db import connect
from edge.layout import DataLayout

WEEK_SECONDS = 7 * 24 * 3600


class FlagKind(StrEnum):
    """What a flag says (turned into words in webui.i18n.FLAG_LABELS and `english` below)."""

    OFF_DUTY = "off_duty"  # a search outside the configured duty hours
    BUSY_CASE = "busy_case"  # more searches under one case than [oversight] searches_per_case
    REPEATED_PLATE = "repeated_plate"  # one user, one plate, under [oversight] repeat_plate_cases cases
    EXPORT = "export"  # video exported


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    at: datetime  # the (first) entry's time
    actors: tuple[str, ...]
    case_number: str  # "" for a repeated plate (it spans cases)
    searches: int  # entries behind the flag
    cases: int  # distinct cases among them
    entries: tuple[int, ...]  # their audit entry ids


def on_duty(moment: datetime, rules: OversightConfig) -> bool:
    """Whether `moment` (local time of the appliance) is inside the duty hours; a rota over midnight
    has its end before its start; equal start and end means no duty hours (always on duty)."""
    start, end, at = rules.duty_start, rules.duty_end, moment.astimezone().time().replace(tzinfo=None)
    if start == end:
        return True
    return start <= at < end if start < end else at >= start or at < end


def flags(
    entries: Iterable[AuditEntry], rules: OversightConfig, plate_key: Callable[[str], str]
) -> list[Flag]:
    """The flags of `entries` (oldest first in the result, by kind); `plate_key` makes one plate's
    searches one key, however much of it was typed and on which keyboard
    (plate_index.normalise.plate_start)."""
    found: list[Flag] = []
    by_case: dict[str, list[AuditEntry]] = defaultdict(list)
    by_plate: dict[tuple[str, str], list[AuditEntry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.action == AuditAction.EXPORT:
            found.append(_flag(FlagKind.EXPORT, [entry]))
        for key in _plate_keys(entry, plate_key):
            by_plate[(entry.actor, key)].append(entry)
        if entry.action != AuditAction.SEARCH:
            continue
        if not on_duty(entry.at, rules):
            found.append(_flag(FlagKind.OFF_DUTY, [entry]))
        if entry.case_number:
            by_case[case_key(entry.case_number)].append(entry)
    found += [_flag(FlagKind.BUSY_CASE, group) for group in by_case.values()
              if len(group) > rules.searches_per_case]
    found += [_flag(FlagKind.REPEATED_PLATE, group, case="") for group in by_plate.values()
              if len({case_key(e.case_number) for e in group}) >= rules.repeat_plate_cases]
    return sorted(found, key=lambda f: (f.at, list(FlagKind).index(f.kind)))


def _plate_keys(entry: AuditEntry, plate_key: Callable[[str], str]) -> set[str]:
    """The plates an entry counts for: a sighting page's plate (the page shows that plate's route across
    every camera, so opening it is following the plate, however the sighting was found: passes, the
    timeline, an alert); a search's typed start or, for a query that fixes none (`*7123AA`), the starts
    of the plates it found, which the search wrote into its entry (detail "starts")."""
    if entry.action == AuditAction.SIGHTING_VIEW:
        own = plate_key(str(entry.detail.get("plate", "")))
        return {own} if own else set()
    if entry.action != AuditAction.SEARCH:
        return set()
    own = plate_key(entry.target)
    if own:
        return {own}
    starts = entry.detail.get("starts")
    if not isinstance(starts, list):
        return set()
    return {key for key in (plate_key(str(start)) for start in starts) if key}


def _flag(kind: FlagKind, group: list[AuditEntry], case: str | None = None) -> Flag:
    return Flag(kind, group[0].at, tuple(sorted({e.actor for e in group})),
                group[0].case_number if case is None else case, len(group),
                len({case_key(e.case_number) for e in group}), tuple(e.id for e in group))


def week_entries(conn: sqlite3.Connection, since: datetime, until: datetime) -> list[AuditEntry]:
    """The searches, sighting views and exports written in [since, until)."""
    rows = conn.execute(
        "SELECT * FROM audit WHERE at >= ? AND at < ? AND action IN (?, ?, ?) ORDER BY id",
        (since.timestamp(), until.timestamp(), AuditAction.SEARCH.value, AuditAction.SIGHTING_VIEW.value,
         AuditAction.EXPORT.value),
    )
    return [entry_of(r) for r in rows]


def read_flags(layout: DataLayout, rules: OversightConfig, since: datetime, until: datetime,
               plate_key: Callable[[str], str]) -> list[Flag]:
    """The flags of [since, until) from web.db, read-only; [] before there is an audit log."""
    if not layout.web_db.exists():
        return []
    conn = connect(layout.web_db, readonly=True)
    try:
        return flags(week_entries(conn, since, until), rules, plate_key)
    finally:
        conn.close()


def last_week(now: datetime) -> tuple[datetime, datetime]:
    """[Monday 00:00, the next Monday 00:00) of the last full week before `now`, in local time."""
    today = now.astimezone().date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday - timedelta(days=7), time()).astimezone()
    return start, datetime.combine(monday, time()).astimezone()


def counts(found: list[Flag]) -> dict[FlagKind, int]:
    return {kind: sum(1 for f in found if f.kind is kind) for kind in FlagKind}


def summary_text(found: list[Flag], holds_ending: int, since: datetime, until: datetime,
                 duty: tuple[time, time]) -> str:
    """The weekly summary for the journal (English, no plate text)."""
    n = counts(found)
    return (
        f"oversight {since.astimezone():%Y-%m-%d} to {until.astimezone():%Y-%m-%d}: "
        f"{n[FlagKind.OFF_DUTY]} search(es) outside duty hours ({duty[0]:%H:%M}-{duty[1]:%H:%M}), "
        f"{n[FlagKind.BUSY_CASE]} case(s) with many searches, "
        f"{n[FlagKind.REPEATED_PLATE]} plate(s) searched again by one user across cases, "
        f"{n[FlagKind.EXPORT]} export(s), {holds_ending} case hold(s) near their end"
    )
