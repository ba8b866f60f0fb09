"""The daemon's weekly oversight summary: every Monday just after midnight, the last week's flags
(accounts.oversight) counted into one line of the journal, where an admin or an external reviewer
reading the journal sees them without opening the web UI. No plate text."""

from __future__ import annotations

import logging
from datetime import datetime

from accounts.oversight import last_week, read_flags, summary_text
from edge.clock import Clock
from edge.config import Config
from edge.layout import DataLayout
from plate_index.normalise import plate_start
from recorder.holds import active, ending_within

log = logging.getLogger(__name__)
SUMMARY_AT = (0, 15)  # local time on Mondays, after the nightly summary


def weekly_summary(config: Config, clock: Clock) -> str | None:
    """Log the last week's summary on a Monday; None on other days."""
    now = clock.now()
    if now.astimezone().weekday() != 0:
        return None
    return log_summary(config, now)


def log_summary(config: Config, now: datetime) -> str:
    layout, rules = DataLayout(config.storage.path), config.oversight
    since, until = last_week(now)
    found = read_flags(layout, rules, since, until, plate_start)
    ending = ending_within(active(layout, now.timestamp()), now.timestamp(), rules.hold_warn_days * 86400)
    text = summary_text(found, len(ending), since, until, (rules.duty_start, rules.duty_end))
    log.info("%s", text)
    return text
