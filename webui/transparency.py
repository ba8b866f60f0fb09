"""The transparency report: what the community's cameras did in one month, with no plate data, for the
council to publish.

It says which cameras there are and what each looks at, how long data is kept, how many plates were
read each day, how many plate searches were made and why (the case reasons) and whether they found
anything, how many exports, case holds and failed sign-ins there were, and the audit log's head, so a
published report also anchors the log: an entry later removed or altered before that head shows.
Everything is counted from the stores read-only (plates.db, summaries.db, web.db, holds.db); no plate
text is read except by SQL that returns counts. Rendered in Ukrainian or English by
webui.transparency_page, and offered as JSON (`to_json`) for anyone who wants to compare months.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from accounts.audit import AuditAction, Head
from accounts.audit_stats import AccessFigures, Outcome, access_figures
from edge import __version__
from edge.clock import utc_iso
from edge.config import Config
from edge.db import connect
from edge.layout import DataLayout

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month given as YYYY-MM, in the appliance's local time; ValueError otherwise."""
    found = MONTH_RE.match(month)
    if not found:
        raise ValueError(f"{month!r} is not a month like 2026-11")
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1).astimezone()
    end = datetime(year + number // 12, number % 12 + 1, 1).astimezone()
    return start, end


@dataclass(frozen=True)
class CameraLine:
    name: str
    title: str
    looks_at: str
    reads_plates: bool
    enabled: bool


@dataclass(frozen=True)
class HoldFigures:
    placed: int
    released: int  # by hand
    ended: int  # at their end date
    in_force_at_end: int  # holds still keeping data when the month ended


@dataclass
class TransparencyReport:
    month: str
    since: datetime
    until: datetime
    generated: datetime
    host: str
    version: str
    cameras: list[CameraLine]
    retention_days: int
    max_hold_days: int
    require_case: bool
    reasons: list[str]  # the configured reasons, in their order (searches are shown by them)
    reads_per_day: dict[date, int]
    access: AccessFigures
    holds: HoldFigures
    head: Head | None  # None: no audit log yet
    complete: bool = True  # False: the month was not over when the report was made (it ends at `until`)
    days: list[date] = field(init=False)

    def __post_init__(self) -> None:
        first, last = self.since.date(), (self.until - timedelta(microseconds=1)).astimezone().date()
        self.days = [first + timedelta(days=n) for n in range((last - first).days + 1)]

    @property
    def reads_total(self) -> int:
        return sum(self.reads_per_day.values())

    def search_reasons(self) -> list[str]:
        """The configured reasons, then any other reason the month's searches carried."""
        extra = sorted(set(self.access.searches) - set(self.reasons))
        return [*self.reasons, *extra]

    def searches(self, reason: str, outcome: Outcome) -> int:
        outcomes = self.access.searches.get(reason)
        return outcomes[outcome] if outcomes else 0

    def to_json(self) -> dict[str, Any]:
        actions = self.access.actions
        return {
            "month": self.month,
            "period": {"from": utc_iso(self.since), "to": utc_iso(self.until)},
            "complete": self.complete,
            "generated": utc_iso(self.generated),
            "appliance": {"host": self.host, "dozor": self.version},
            "cameras": [
                {"name": c.name, "title": c.title, "looks_at": c.looks_at, "reads_plates": c.reads_plates,
                 "enabled": c.enabled}
                for c in self.cameras
            ],
            "retention": {"days": self.retention_days, "max_hold_days": self.max_hold_days},
            "require_case": self.require_case,
            "reads_per_day": {day.isoformat(): self.reads_per_day.get(day, 0) for day in self.days},
            "reads_total": self.reads_total,
            "searches": {
                "total": self.access.search_total,
                "by_outcome": {o.value: self.access.outcome_total(o) for o in Outcome},
                "by_reason": {
                    reason or "none": {o.value: self.searches(reason, o) for o in Outcome}
                    for reason in self.search_reasons()
                },
            },
            "exports": actions[AuditAction.EXPORT],
            "holds": {"placed": self.holds.placed, "released": self.holds.released,
                      "ended": self.holds.ended, "in_force_at_end": self.holds.in_force_at_end},
            "failed_sign_ins": self.access.failed_sign_ins,
            "sign_ins": {  # failed_sign_ins = wrong_password + refused_while_locked, each in its month
                "wrong_password": self.access.sign_ins.wrong_password,
                "refused_while_locked": self.access.sign_ins.refused_while_locked,
                "refused_not_yet_in_audit_log": self.access.sign_ins.not_yet_logged,
                "locks": self.access.sign_ins.locks,
            },
            "plate_requests_answered": actions[AuditAction.SUBJECT_LOOKUP],
            "audit_head": None if self.head is None else {
                "entry": self.head.entry_id, "hash": self.head.hash, "log": self.head.log_id},
        }


def build_report(config: Config, month: str, now: datetime) -> TransparencyReport:
    """The report of `month` (YYYY-MM); ValueError for a malformed month. A month not over at `now` is
    reported up to `now` (no days to come, holds in force now), and says so."""
    since, until = month_bounds(month)
    complete = now >= until
    until = until if complete else max(since, now.astimezone())
    layout = DataLayout(config.storage.path)
    access, head = _audit(layout, since, until)
    return TransparencyReport(
        month=month, since=since, until=until, generated=now, host=socket.gethostname(), version=__version__,
        cameras=[CameraLine(c.name, c.display_name, c.looks_at, c.lpr and config.lpr.enabled, c.enabled)
                 for c in config.cameras],
        retention_days=config.storage.retention_days, max_hold_days=config.access.max_hold_days,
        require_case=config.access.require_case, reasons=list(config.access.reasons),
        reads_per_day=_reads(layout, since, until), access=access, holds=_holds(layout, access, until),
        head=head, complete=complete,
    )


def _reads(layout: DataLayout, since: datetime, until: datetime) -> dict[date, int]:
    """Reads per local day. The plate store forgets a day's sightings after retention_days (a month's
    report is made after the month), so a day's nightly summary, counted before anything was deleted,
    is taken where it has more; a day never summarised (the daemon was down, or today) keeps the
    store's count."""
    from health.summary import sightings_per_day
    from plate_index.daily import reads_per_day
    from plate_index.store import open_store

    counted: dict[date, int] = {}
    if layout.plates_db.exists():
        conn = open_store(layout.plates_db, readonly=True)
        try:
            counted = reads_per_day(conn, since, until)
        finally:
            conn.close()
    summarised = sightings_per_day(layout, since.date(), until.date())
    return {day: max(counted.get(day, 0), summarised.get(day, 0)) for day in {*counted, *summarised}}


def _audit(layout: DataLayout, since: datetime, until: datetime) -> tuple[AccessFigures, Head | None]:
    from accounts.audit import read_head

    if not layout.web_db.exists():
        return AccessFigures(), None
    conn = connect(layout.web_db, readonly=True)
    try:
        return access_figures(conn, since, until), read_head(conn)
    finally:
        conn.close()


def _holds(layout: DataLayout, access: AccessFigures, until: datetime) -> HoldFigures:
    from recorder.holds import all_holds

    in_force = 0
    if layout.holds_db.exists():
        conn = connect(layout.holds_db, readonly=True)
        try:
            end = until.timestamp()
            in_force = sum(1 for h in all_holds(conn) if h.placed_at < end and h.until > end
                           and (h.released_at is None or h.released_at > end))
        finally:
            conn.close()
    actions = access.actions
    return HoldFigures(actions[AuditAction.HOLD_PLACED], actions[AuditAction.HOLD_RELEASED],
                       actions[AuditAction.HOLD_ENDED], in_force)
