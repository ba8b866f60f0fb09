"""Oversight for admins: the flags of the last 7 days (accounts.oversight), the case holds near their
end, and last week's summary, the same counts the daemon writes to the journal on Mondays.

No flag carries plate text, so the page is not a plate-data access; each flag links to its entries in
the audit log, where the plate is shown and the look is audited.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from accounts.oversight import WEEK_SECONDS, FlagKind, counts, last_week, read_flags
from accounts.users import Role
from plate_index.normalise import plate_start
from recorder.holds import active, ending_within
from webui.access import allow
from webui.context import camera_titles, ctx

bp = Blueprint("oversight", __name__)


def recent_flags():
    """(flags of the last 7 days, holds in force that end within [oversight] hold_warn_days)."""
    config, now = ctx().config, ctx().clock.now()
    rules = config.oversight
    found = read_flags(ctx().layout, rules, now - timedelta(seconds=WEEK_SECONDS), now, plate_start)
    return found, _ending(now.timestamp())


def _ending(at: float):
    """The holds in force at `at` that end within [oversight] hold_warn_days."""
    return ending_within(active(ctx().layout, at), at, ctx().config.oversight.hold_warn_days * 86400)


@bp.route("/admin/oversight")
@allow(Role.ADMIN)
def page():
    config, now = ctx().config, ctx().clock.now()
    found, holds = recent_flags()
    since, until = last_week(now)
    week = counts(read_flags(ctx().layout, config.oversight, since, until, plate_start))
    return render_template(
        "admin/oversight.html", flags=found, holds=holds, rules=config.oversight, FlagKind=FlagKind,
        week=week, week_since=since, week_until=until - timedelta(days=1),
        week_holds=len(_ending(until.timestamp())), titles=camera_titles(),
    )
