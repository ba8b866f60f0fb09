"""Room for evidence exports: how many run at once, and the temporary space they may take.

An export copies up to two hours of video twice (the cut MP4, then the zip that stores it) into a
temporary folder on the recordings' disk. Left unchecked, four exports took 6.9 GB, and space taken
below `storage.min_free_gb` makes the recorder delete recordings inside retention. So an export
starts only if fewer than EXPORTS_AT_ONCE are running and the disk keeps min_free_gb plus a margin
after this export and the running ones; otherwise the officer is told why and nothing is written.

Each folder holds a lock (flock) for as long as its export runs. The kernel releases it when the
process dies, however it dies, so the web UI deletes the folders nobody holds when it starts: a
`kill -9` during an export leaves nothing behind for long.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from edge.layout import DataLayout

log = logging.getLogger(__name__)

EXPORTS_AT_ONCE = 2
MARGIN_BYTES = 1 << 30  # kept free beyond storage.min_free_gb, for the recorder's next segments
FOLDER_PREFIX = ".export-"
LOCK_NAME = ".in-use"
ORPHAN_SECONDS = 60  # a folder without its lock file yet is another process's export starting up


class Refusal(StrEnum):
    """Why an export may not start now (stored in its audit entry's detail)."""

    BUSY = "busy"  # EXPORTS_AT_ONCE are running
    DISK = "disk"  # too little free space


class ExportRefused(Exception):
    """No room for this export now (`reason`). The export page says which, nothing is written, and the
    attempt is audited."""

    def __init__(self, reason: Refusal, needed: int = 0, free: int = 0):
        super().__init__(f"export refused: {reason} (needs {needed} bytes, {free} free)")
        self.reason = reason


class ExportRoom:
    """The running exports of this web process and the space they reserved."""

    def __init__(self, layout: DataLayout, min_free_bytes: int):
        self.layout = layout
        self.min_free_bytes = min_free_bytes
        self._lock = threading.Lock()
        self._running = 0
        self._reserved = 0

    @contextmanager
    def folder(self, needed: int) -> Iterator[Path]:
        """A locked temporary folder for one export that may write `needed` bytes; deleted on exit."""
        self._admit(needed)
        try:
            work = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=self.layout.root))
            try:
                with (work / LOCK_NAME).open("w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    yield work
            finally:
                shutil.rmtree(work, ignore_errors=True)
        finally:
            with self._lock:
                self._running -= 1
                self._reserved -= needed

    def _admit(self, needed: int) -> None:
        with self._lock:
            if self._running >= EXPORTS_AT_ONCE:
                raise ExportRefused(Refusal.BUSY)
            free = shutil.disk_usage(self.layout.root).free
            if free - self._reserved - needed < self.min_free_bytes + MARGIN_BYTES:
                raise ExportRefused(Refusal.DISK, needed, free)
            self._running += 1
            self._reserved += needed


def remove_abandoned(layout: DataLayout) -> int:
    """Delete export folders that no running export holds (left by a crash or a kill); returns how many."""
    now = time.time()  # compared with the files' times, which the real clock wrote
    removed = 0
    for path in layout.root.glob(FOLDER_PREFIX + "*"):
        if path.is_dir() and _abandoned(path, now):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    if removed:
        log.info("removed %d export folder(s) left by an export that did not finish", removed)
    return removed


def _abandoned(path: Path, now: float) -> bool:
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return now - path.stat().st_mtime > ORPHAN_SECONDS
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # an export is running in it
    finally:
        os.close(fd)
    return True
