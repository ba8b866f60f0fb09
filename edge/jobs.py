"""Scheduled jobs of the daemon: one APScheduler BackgroundScheduler, with a two-line way to add a job.

Retention runs every minute; plate-store pruning and the nightly summary (00:05 local time, for the
local day that ended) are added the same way (`jobs.every(...)`, `jobs.daily(...)`, `jobs.once(...)`).
Every job is wrapped so an exception is logged and the job runs again next time: a failing job never
takes the daemon down. Runs that were missed (the machine was busy or asleep) are coalesced into one,
and a job never overlaps itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self) -> None:
        # APScheduler logs every run at INFO; our jobs log what they did, and failures via _guarded.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )

    def every(self, name: str, seconds: float, func: Callable[[], Any], *, run_now: bool = True) -> None:
        """Run `func` every `seconds` (first right after start when `run_now`)."""
        first = datetime.now(UTC) if run_now else None
        self._scheduler.add_job(
            _guarded(name, func), "interval", seconds=seconds, id=name, name=name, next_run_time=first,
            replace_existing=True,
        )

    def daily(self, name: str, hour: int, minute: int, func: Callable[[], Any]) -> None:
        """Run `func` every day at hour:minute, local time of the appliance (a nightly summary), in its
        zone with DST rules (tzlocal), not today's offset, so 00:05 stays 00:05 after a clock change."""
        from tzlocal import get_localzone

        self._scheduler.add_job(
            _guarded(name, func), "cron", hour=hour, minute=minute, id=name, name=name,
            timezone=get_localzone(), replace_existing=True,
        )

    def once(self, name: str, func: Callable[[], Any]) -> None:
        """Run `func` once, right after start (catching up on what a stopped daemon missed)."""
        self._scheduler.add_job(
            _guarded(name, func), "date", run_date=datetime.now(UTC), id=name, name=name,
            replace_existing=True,
        )

    def run_soon(self, name: str) -> None:
        """Run the job `name` now instead of at its next time (e.g. plate pruning once video was deleted
        for disk space); nothing happens if it is unknown or the scheduler is not running."""
        if not self._scheduler.running or self._scheduler.get_job(name) is None:
            return
        self._scheduler.modify_job(name, next_run_time=datetime.now(UTC))

    def names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop scheduling; a job that is running finishes first."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)


def _guarded(name: str, func: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            func()
        except Exception:  # noqa: BLE001 - logged; the job runs again at its next time
            log.exception("job %s failed", name)

    return run
