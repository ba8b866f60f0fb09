"""What a running process holds: threads, open file descriptors and resident memory, read from /proc.

The fault tests sample the daemon after a warm-up round and after the last round: a recorder that
keeps a thread, a socket or a buffer per reconnect passes any single outage but dies of it within the
two weeks an appliance runs unattended, so growth between the two samples is the symptom to catch.
/proc rather than psutil: it is all that is needed here (Linux, like the appliance), no new dependency.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Resources:
    threads: int
    fds: int
    rss_mb: float

    def __str__(self) -> str:
        return f"threads={self.threads} fds={self.fds} rss={self.rss_mb:.1f}MB"

    def growth_since(self, before: Resources) -> Resources:
        return Resources(self.threads - before.threads, self.fds - before.fds, self.rss_mb - before.rss_mb)


def sample(pid: int) -> Resources:
    """One reading of the process's threads, open descriptors and resident set size."""
    proc = Path(f"/proc/{pid}")
    fields = dict(
        line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line
    )
    rss_kb = int(fields["VmRSS"].split()[0])
    return Resources(int(fields["Threads"]), len(os.listdir(proc / "fd")), rss_kb / 1024)


def settled(pid: int, samples: int = 5, interval: float = 0.5) -> Resources:
    """The median of a few readings, so a packet buffer or a reconnect in flight does not count."""
    readings = []
    for _ in range(samples):
        readings.append(sample(pid))
        time.sleep(interval)
    return Resources(
        round(statistics.median(r.threads for r in readings)),
        round(statistics.median(r.fds for r in readings)),
        statistics.median(r.rss_mb for r in readings),
    )


def children(pid: int, marker: bytes = b"") -> list[int]:
    """Pids of the process's children whose command line contains `marker` (e.g. b"spawn_main" for
    multiprocessing's spawned workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        if ppid == pid and marker in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether the process still runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        state = (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
