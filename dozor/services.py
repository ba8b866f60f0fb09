"""What `dozor run` starts next to the recorder: the typed seam between the supervisor and the services.

A `Service` is anything with start() and stop() (and optionally watch(), called every second). A
factory takes the `RunContext` (config, data layout, clock, the running recorder with its frame taps and
retention, the job scheduler) and returns services; `service_factories()` lists them in start order:
plate reading (its feeders run in this process, its models in worker processes) and the web UI (a
`ChildProcess`: `dozor web`, restarted with backoff if it dies, so a crash there never touches
recording).
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from edge.backoff import Backoff
from edge.clock import Clock, SystemClock
from edge.clock_steps import AgeGuard
from edge.config import Config
from edge.jobs import Jobs
from edge.layout import DataLayout
from plate_index import outbox
from plate_index.outbox import Shipper
from plate_index.retention import prune_plates
from plate_index.service import LprService
from plate_index.store import open_store
from recorder.service import Recorder

log = logging.getLogger(__name__)

PLATE_PRUNE_SECONDS = 600.0
HEALTHY_SECONDS = 60.0  # a child that ran this long starts its restart backoff over


class Service(Protocol):
    """Anything the supervisor runs. `watch()` (optional) is called every second to restart what died."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class RunContext:
    config: Config
    config_path: Path
    layout: DataLayout
    clock: Clock
    recorder: Recorder
    jobs: Jobs


ServiceFactory = Callable[[RunContext], Iterable[Service]]


def lpr_services(context: RunContext) -> list[Service]:
    """Plate reading on the recorder's frame taps, and the pruning of plate data with the video's
    retention: every few minutes, and at once when the recorder deleted video (a full disk must not
    wait for the next run). Watchlist alerts live in plates.db and go with their sightings."""
    config, clock, jobs, layout = context.config, context.clock, context.jobs, context.layout
    guard = AgeGuard(clock, "plate retention")

    def prune() -> None:
        _carry_watchlist(layout)  # a carry that failed at start is retried, so it is pruned like the rest
        prune_plates(config, clock, guard=guard)

    jobs.every("plate-retention", PLATE_PRUNE_SECONDS, prune)
    context.recorder.retention.on_deleted(lambda: jobs.run_soon("plate-retention"))
    _carry_watchlist(layout)
    return [LprService(config, context.recorder.taps, clock=clock)]


def index_services(context: RunContext) -> list[Service]:
    """The shipper of this node's sightings to the shared index when `[index] url` is set. Without it,
    shipping is turned off in plates.db (a node taken out of a hromada keeps no outbox)."""
    plates_db = context.layout.plates_db
    index = context.config.index
    if index.url:
        return [Shipper(plates_db, index.url, index.node_name, clock=context.clock,
                        keep_days=context.config.storage.retention_days)]
    if plates_db.exists():
        with closing(open_store(plates_db)) as conn:
            outbox.disable(conn)
    return []


def _carry_watchlist(layout: DataLayout) -> None:
    """Entries the web UI once kept in web.db join the one watchlist before plate reading starts, so
    they raise alerts even if the web UI never runs again, and their alerts then follow the plate
    retention in plates.db (plate_index.watchlist_carry; nothing to do once web.db's tables are empty)."""
    from plate_index.watchlist import open_watchlist

    try:
        open_watchlist(layout).close()
    except Exception:  # a locked or damaged store: plate reading starts anyway, the web UI retries
        log.exception("could not carry the web UI's watchlist over into the plate store")


def web_command(config_path: str) -> list[str]:
    """The web UI child's command line: this Python, so the same installation serves the UI."""
    return [sys.executable, "-m", "dozor.cli", "web", "--config", config_path]


def web_services(context: RunContext) -> list[Service]:
    """[the `dozor web` child process], or [] when `[web] enabled = false`."""
    if not context.config.web.enabled:
        return []
    return [ChildProcess("web", web_command(str(context.config_path)))]


def service_factories(*, web: bool = True) -> list[ServiceFactory]:
    """The services `dozor run` starts after the recorder, in order. `web=False` (`dozor run --no-web`)
    leaves the UI to its own systemd unit, dozor-web.service."""
    return [lpr_services, index_services, web_services] if web else [lpr_services, index_services]


class ChildProcess:
    """A service that is its own OS process (e.g. `dozor web`), restarted with backoff (1 s to 60 s)."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str] | None = None,
                 stop_seconds: float = 10.0, clock: Clock | None = None):
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.stop_seconds = stop_seconds
        self.clock = clock or SystemClock()
        self.restarts = 0
        self.process: subprocess.Popen | None = None
        self._started_at = 0.0
        self._restart_at: float | None = None
        self._backoff = Backoff(1.0, 60.0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env)
        self._started_at = self.clock.monotonic()
        log.info("started %s (pid %d)", self.name, self.process.pid)

    def watch(self) -> None:
        if self.process is None or self.process.poll() is None:
            return
        now = self.clock.monotonic()
        if self._restart_at is None:
            if now - self._started_at > HEALTHY_SECONDS:
                self._backoff.reset()
            wait = self._backoff.next()
            log.error("%s exited with status %s; restarting in %.0f s", self.name, self.process.returncode,
                      wait)
            self._restart_at = now + wait
        elif now >= self._restart_at:
            self._restart_at = None
            self.restarts += 1
            self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(self.stop_seconds)
        except subprocess.TimeoutExpired:
            log.error("%s did not stop within %.0f s; killing it", self.name, self.stop_seconds)
            self.process.kill()
            self.process.wait()
