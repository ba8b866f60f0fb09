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


def threads_cpu_seconds(pid: int, prefix: str) -> float:
    """CPU so far of the process's threads whose name starts with `prefix` (the frame tap names its
    decoding threads "tap <camera>"; threads that ended are not counted)."""
    total = 0.0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        try:
            if not (task / "comm").read_text().startswith(prefix):
                continue
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


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
    decode_cpu: float  # the daemon's frame-tap threads: decoding for plate reading and live pictures
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
    _decode_seen: float = 0.0
    _decode_lost: float = 0.0

    def _decode_cpu(self) -> float:
        """Decoding threads' CPU so far; a tap's thread ends when nobody subscribes (a camera that went
        offline), so a drop of the live sum is counted as seconds of threads that ended."""
        now = threads_cpu_seconds(self.daemon, "tap ")
        if now < self._decode_seen:
            self._decode_lost += self._decode_seen - now
        self._decode_seen = now
        return now + self._decode_lost

    def sample(self) -> Sample:
        below = descendants(self.daemon)
        for pid in below:
            self._worker_cpu[pid] = max(self._worker_cpu.get(pid, 0.0), cpu_seconds(pid))
        busy, _ = machine_busy_seconds()
        return Sample(
            daemon_cpu=cpu_seconds(self.daemon),
            decode_cpu=self._decode_cpu(),
            workers_cpu=sum(self._worker_cpu.values()),
            server_cpu=cpu_seconds(self.server),
            machine_busy=busy,
            daemon_rss=rss_mb(self.daemon),
            total_rss=rss_mb(self.daemon) + sum(rss_mb(p) for p in below),
            total_pss=pss_mb(self.daemon) + sum(pss_mb(p) for p in below),
            workers=len(below),
        )
