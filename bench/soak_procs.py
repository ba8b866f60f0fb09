"""CPU and memory of the soak's processes from /proc, split by who spends it.

The daemon, its LPR worker processes and the RTSP test server (load, not Dozor) are counted apart, and
so is the whole machine, because other work on the same 2 cores distorts every figure: a soak shows
how much of the machine was busy with something else. RSS double-counts pages the processes share
(the libraries, the shared-memory frame slots), so the total is reported as RSS (an upper bound) and as
PSS (shared pages split between their users, what the processes really cost).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * PAGE_KB / 1024


def pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the LPR workers, multiprocessing's resource tracker)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK, sum(values[:8]) / TICK


@dataclass
class Sample:
    """CPU seconds so far (cumulative) and memory now, of each part."""

    daemon_cpu: float
    workers_cpu: float
    server_cpu: float
    machine_busy: float
    daemon_rss: float
    total_rss: float
    total_pss: float
    workers: int


@dataclass
class Tracker:
    """Samples a daemon and an RTSP server. Workers that die are remembered with their last CPU
    figure, so a restarted worker's seconds are not lost from the total."""

    daemon: int
    server: int
    _worker_cpu: dict[int, float] = field(default_factory=dict)

    def sample(self) -> Sample:
        below = descendants(self.daemon)
        for pid in below:
            self._worker_cpu[pid] = max(self._worker_cpu.get(pid, 0.0), cpu_seconds(pid))
        busy, _ = machine_busy_seconds()
        return Sample(
            daemon_cpu=cpu_seconds(self.daemon),
            workers_cpu=sum(self._worker_cpu.values()),
            server_cpu=cpu_seconds(self.server),
            machine_busy=busy,
            daemon_rss=rss_mb(self.daemon),
            total_rss=rss_mb(self.daemon) + sum(rss_mb(p) for p in below),
            total_pss=pss_mb(self.daemon) + sum(pss_mb(p) for p in below),
            workers=len(below),
        )
