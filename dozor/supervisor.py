"""The daemon (`dozor run`): starts the services in order, watches them, stops them cleanly on a signal.

Recording is the one thing that must never stop, so the recorder runs in this process (one thread per
camera) and is started first and stopped last; everything else is a `Service` next to it: in-process
ones (plate reading's feeders, which subscribe to the recorder's frame taps) or `ChildProcess`es (the
web UI), which are restarted with backoff when they die, so a crash there never reaches recording.
To add a service, add a factory to `dozor.services.service_factories()`; it receives the `RunContext`
(config, data layout, clock, the recorder and its taps, the job scheduler for periodic work).
SIGTERM/SIGINT: services stop in reverse order, the recorder closes every segment and marks it
complete. A second signal exits at once (start-up recovery repairs whatever that leaves).
Under systemd (Type=notify) it says READY=1 once recording has started, WATCHDOG=1 every LIVENESS_SECONDS
while dozor.liveness finds every camera thread alive and refreshing (so a hung daemon is restarted), STATUS=
with the cameras online, and STOPPING=1 when it begins to stop.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from dozor.holds_job import HOLDS_SECONDS, end_due_holds
from dozor.liveness import Liveness
from dozor.lock_counts_job import LOCK_COUNTS_SECONDS, write_ended_locks
from dozor.oversight_job import SUMMARY_AT as WEEKLY_AT
from dozor.oversight_job import weekly_summary
from dozor.services import RunContext, Service, ServiceFactory, service_factories
from edge.clock import Clock, SystemClock
from edge.config import Config
from edge.jobs import Jobs
from edge.layout import DataLayout
from edge.memory import give_back_free_memory
from edge.sdnotify import Notifier
from health.summary import NightlySummary
from recorder.service import Recorder

log = logging.getLogger(__name__)

RETENTION_SECONDS = 60
TRIM_SECONDS = 20  # edge.memory.give_back_free_memory (a few ms)
WATCH_SECONDS = 1.0  # how soon a dead service is restarted
LIVENESS_SECONDS = 5.0  # status rows are refreshed every 5 s (recorder.camera_recorder.TICK_SECONDS)
STATUS_SECONDS = 10.0  # how often systemd's STATUS= line is refreshed
SUMMARY_AT = (0, 5)  # local time of the nightly summary of the day that just ended


class StorageUnusable(Exception):
    """The data folder cannot be used (not writable, or another daemon records into it); nothing starts."""


class Supervisor:
    def __init__(self, config: Config, config_path: Path, *, clock: Clock | None = None,
                 factories: Sequence[ServiceFactory] | None = None, notifier: Notifier | None = None):
        self.config = config
        self.config_path = config_path
        self.clock = clock or SystemClock()
        self.layout = DataLayout(config.storage.path)
        self.factories = list(service_factories() if factories is None else factories)
        self.notifier = notifier or Notifier()
        self._stop = threading.Event()
        self._lock_file: IO[str] | None = None

    def request_stop(self, signum: int = 0, _frame: object = None) -> None:
        if self._stop.is_set():
            log.error("second stop signal: exiting at once")
            os._exit(1)
        if signum:
            log.info("%s received: stopping", signal.Signals(signum).name)
        self._stop.set()

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; returns the exit status. Raises StorageUnusable before starting."""
        self._claim_storage()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request_stop)
        recorder = Recorder(self.config, clock=self.clock, layout=self.layout)
        jobs = Jobs()
        jobs.every("retention", RETENTION_SECONDS, recorder.retention.run)
        jobs.every("case-holds", HOLDS_SECONDS, lambda: end_due_holds(self.layout, self.clock))
        jobs.every("sign-in-locks", LOCK_COUNTS_SECONDS, lambda: write_ended_locks(self.layout, self.clock))
        jobs.every("give-back-memory", TRIM_SECONDS, give_back_free_memory, run_now=False)
        nightly = NightlySummary(self.config, self.clock)
        jobs.daily("nightly-summary", SUMMARY_AT[0], SUMMARY_AT[1], nightly.run)
        jobs.once("summary-catch-up", nightly.catch_up)
        jobs.daily("oversight-summary", *WEEKLY_AT, lambda: weekly_summary(self.config, self.clock))
        context = RunContext(self.config, self.config_path, self.layout, self.clock, recorder, jobs)
        started: list[Service] = []
        try:
            recorder.start()  # a recorder that cannot start is fatal; any other service is not
            started.append(recorder)
            for service in self._other_services(context):
                if _guarded(service, "start"):
                    started.append(service)
            jobs.start()
            self._watch(started, Liveness(recorder.cameras, self.layout, self.clock))
        finally:
            self.notifier.stopping()
            jobs.stop()
            for service in reversed(started):
                try:
                    service.stop()
                except Exception:  # noqa: BLE001 - stop the others anyway
                    log.exception("stopping %s failed", getattr(service, "name", service))
            log.info("stopped")
        return 0

    def _watch(self, started: list[Service], liveness: Liveness) -> None:
        """The loop until a stop signal: restart what died, and keep systemd's watchdog fed only while
        recording is healthy (one error per unhealthy spell; systemd restarts us after WatchdogSec)."""
        self.notifier.ready(liveness.summary())
        log.info("recording started%s", " (systemd notified)" if self.notifier.enabled else "")
        unhealthy: list[str] = []
        next_status = self.clock.monotonic() + STATUS_SECONDS
        next_liveness = self.clock.monotonic()
        try:
            while not self._stop.wait(WATCH_SECONDS):
                for service in started:
                    if hasattr(service, "watch"):
                        _guarded(service, "watch")
                if self.clock.monotonic() < next_liveness:
                    continue
                next_liveness = self.clock.monotonic() + LIVENESS_SECONDS
                problems = liveness.problems()
                if not problems:
                    self.notifier.watchdog()
                elif problems != unhealthy:
                    log.error("not healthy, withholding the systemd watchdog: %s", "; ".join(problems))
                if unhealthy and not problems:
                    log.info("healthy again")
                unhealthy = problems
                if self.notifier.enabled and self.clock.monotonic() >= next_status:
                    next_status = self.clock.monotonic() + STATUS_SECONDS
                    self.notifier.status(liveness.summary())
        finally:
            liveness.close()

    def _other_services(self, context: RunContext) -> list[Service]:
        """What the factories make; a factory that fails costs its services, never recording."""
        services: list[Service] = []
        for factory in self.factories:
            try:
                services.extend(factory(context))
            except Exception:  # noqa: BLE001 - logged; the daemon records without it
                log.exception("could not set up the services of %s", getattr(factory, "__name__", factory))
        return services

    def _claim_storage(self) -> None:
        """Create the data folder and lock it: two daemons recording into one folder would ruin it."""
        root = self.layout.root
        try:
            root.mkdir(parents=True, exist_ok=True)
            self._lock_file = (root / ".dozor-run.lock").open("a+")
        except OSError as exc:
            raise StorageUnusable(
                f"cannot use the data folder {root}: {exc.strerror}; hint: create it and give the daemon's "
                "user write access, or set [storage] path"
            ) from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StorageUnusable(
                f"another `dozor run` is already recording into {root}; hint: stop it first "
                "(systemctl stop dozor)"
            ) from None


def _guarded(service: Service, method: str) -> bool:
    """Call service.start()/watch(); an exception is logged, never allowed to reach recording."""
    try:
        getattr(service, method)()
        return True
    except Exception:  # noqa: BLE001 - one broken service must not stop the daemon
        log.exception("%s.%s() failed", getattr(service, "name", type(service).__name__), method)
        return False
