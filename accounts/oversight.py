"""Oversight of plate-data access for admins: the audit entries of a week that deserve a second look.

The log records everything; nobody reads everything. These flags point at the patterns that reviews
of police plate databases name as misuse: searches at hours nobody is on duty (by plate, or by place
and time on the passes page or the recordings timeline), and plate data opened then without a search
(one flag per user and day), one case used as a blanket for many searches, one user following one
plate under changing case numbers (a person tracked for private reasons hides behind different cases:
a query that starts with a wildcard counts for the plates it found, and opening a sighting, whose page
shows its plate's route, for that plate), every export (video leaving the appliance), every plate put
on the watchlist (it follows that plate without another search), and every subject lookup (an admin's
answer to a person asking whether their plate is stored: a full-plate search made without a case,
which only a request on paper justifies).
Holds near their end are the fifth flag; they live in holds.db and are counted by the caller
(recorder.holds.ending_within). A flag carries who, when, which case and the entries behind it, never
a plate's text: the admin follows the entry ids into the audit log, which is itself audited.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
    SUBJECT_LOOKUP = "subject_lookup"  # a plate looked up to answer a person's request (admins only)
    WATCHLIST = "watchlist"  # a plate or pattern put on the watchlist: alerts follow it for up to a year
    OFF_DUTY_VIEWS = "off_duty_views"  # sightings, plate pictures or video opened off duty (a user, a day)


EACH_SHOWN = {AuditAction.EXPORT: FlagKind.EXPORT, AuditAction.SUBJECT_LOOKUP: FlagKind.SUBJECT_LOOKUP,
              AuditAction.WATCHLIST_ADD: FlagKind.WATCHLIST}
# Searches by place and time (a camera's passes with their plate pictures, a camera's sightings on the
# recordings timeline with their plates) count for duty hours too.
QUERIES = (AuditAction.SEARCH, AuditAction.PASSES_VIEW, AuditAction.TIMELINE_SIGHTINGS)
# Plate data opened without a search (a sighting's page by its number, a plate picture, recorded video):
# off duty, one flag per user and day, however many entries.
VIEWS = (AuditAction.SIGHTING_VIEW, AuditAction.SIGHTING_PICTURE, AuditAction.VIDEO_VIEW)
FLAGGED = (*QUERIES, *EACH_SHOWN, *VIEWS)  # the actions flags are made of


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
    by_day: dict[tuple[str, date], list[AuditEntry]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.action in EACH_SHOWN:
            found.append(_flag(EACH_SHOWN[AuditAction(entry.action)], [entry]))
        if entry.action in QUERIES and not on_duty(entry.at, rules):
            found.append(_flag(FlagKind.OFF_DUTY, [entry]))
        if entry.action in VIEWS and not on_duty(entry.at, rules):
            by_day[(entry.actor, entry.at.astimezone().date())].append(entry)
        for key in _plate_keys(entry, plate_key):
            by_plate[(entry.actor, key)].append(entry)
        if entry.action != AuditAction.SEARCH:
            continue
        if entry.case_number:
            by_case[case_key(entry.case_number)].append(entry)
    found += [_flag(FlagKind.OFF_DUTY_VIEWS, group) for group in by_day.values()]
    found += [_flag(FlagKind.BUSY_CASE, group) for group in by_case.values()
              if len(group) > rules.searches_per_case]
    found += [_flag(FlagKind.REPEATED_PLATE, group, case="") for group in by_plate.values()
              if len({case_key(e.case_number) for e in group}) >= rules.repeat_plate_cases]
    return sorted(found, key=lambda f: (f.at, list(FlagKind).index(f.kind)))


def _plate_keys(entry: AuditEntry, plate_key: Callable[[str], str]) -> set[str]:
    """The plates an entry counts for: a sighting page's plate (the page shows that plate's route across
    every camera, so opening it is following the plate, however the sighting was found: passes, the
    timeline, an alert); for a query that fixes no start (`*7123AA`), the starts of the plates it found,
    which the search wrote into its entry (detail "starts"); else the search's key (its typed start, or
    the run of digits of a query without one: `plate_key`)."""
    if entry.action == AuditAction.SIGHTING_VIEW:
        own = plate_key(str(entry.detail.get("plate", "")))
        return {own} if own else set()
    if entry.action != AuditAction.SEARCH:
        return set()
    starts = entry.detail.get("starts")
    if isinstance(starts, list) and starts:
        return {key for key in (plate_key(str(start)) for start in starts) if key}
    own = plate_key(entry.target)
    return {own} if own else set()


def _flag(kind: FlagKind, group: list[AuditEntry], case: str | None = None) -> Flag:
    return Flag(kind, group[0].at, tuple(sorted({e.actor for e in group})),
                group[0].case_number if case is None else case, len(group),
                len({case_key(e.case_number) for e in group}), tuple(e.id for e in group))


def week_entries(conn: sqlite3.Connection, since: datetime, until: datetime) -> list[AuditEntry]:
    """The entries flags are made of (FLAGGED) written in [since, until)."""
    marks = ",".join("?" * len(FLAGGED))
    rows = conn.execute(
        f"SELECT * FROM audit WHERE at >= ? AND at < ? AND action IN ({marks}) ORDER BY id",  # noqa: S608
        (since.timestamp(), until.timestamp(), *[a.value for a in FLAGGED]),
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
        f"{n[FlagKind.OFF_DUTY_VIEWS]} day(s) a user opened plate data outside duty hours, "
        f"{n[FlagKind.BUSY_CASE]} case(s) with many searches, "
        f"{n[FlagKind.REPEATED_PLATE]} plate(s) searched again by one user across cases, "
        f"{n[FlagKind.EXPORT]} export(s), "
        f"{n[FlagKind.WATCHLIST]} plate(s) put on the watchlist, "
        f"{n[FlagKind.SUBJECT_LOOKUP]} plate lookup(s) for a person's request, "
        f"{holds_ending} case hold(s) near their end"
    )
