"""Retention: keep `retention_days` of video under the disk cap and above the free-space floor.

Runs every minute (edge.jobs) and, as `free_space_now`, whenever a segment write hits a full disk.
Deletes finished segments only (never a file being written), oldest first across all cameras, file and
catalog row together. Age is measured with the injected Clock, so tests can age data by days; a forward
step of the wall clock holds deletion by age back for a while (edge.clock_steps.AgeGuard), never deletion
for disk space. `max_disk_gb` counts the recorded segments; plate data follows the video: whoever
registered with `on_deleted` (plate reading's retention) is told when segments went.

Case holds (recorder.holds) keep what they cover: by age and by the disk cap, held segments are skipped
and the oldest unheld go first; held video counts towards the cap, and when holds alone exceed it
nothing held goes (`dozor status` and the admin page say so) and recording goes on. Only to keep the
free-space floor, when no unheld segment is left, does held video go, oldest first: a full disk would
stop recording.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from edge.clock import Clock, to_epoch
from edge.clock_steps import AgeGuard
from edge.config import StorageConfig
from edge.layout import DataLayout
from recorder import holds as case_holds
from recorder.catalog import Catalog, Segment
from recorder.holds import Hold

log = logging.getLogger(__name__)

GB = 1_000_000_000
BATCH = 50
# On a full disk, free at least this much even when min_free_gb is 0, so the writer gets a few minutes.
EMERGENCY_FREE_BYTES = 32 * 1024 * 1024
# The last time recordings were deleted for free space, for `dozor status` (health.status) to alert on.
SPACE_DELETION_FILE = "space-deletion.json"


@dataclass
class RetentionReport:
    by_age: int = 0
    by_cap: int = 0
    by_free_space: int = 0
    freed_bytes: int = 0

    @property
    def deleted(self) -> int:
        return self.by_age + self.by_cap + self.by_free_space


class Retention:
    def __init__(self, catalog: Catalog, layout: DataLayout, storage: StorageConfig, clock: Clock):
        self.catalog = catalog
        self.layout = layout
        self.storage = storage
        self.clock = clock
        self._lock = threading.Lock()  # the job and the camera threads' emergencies do not interleave
        self.age_guard = AgeGuard(clock, "video retention")
        self._listeners: list[Callable[[], None]] = []
        self.holds_over_cap = False  # logged once when it starts (health.status reports it every time)

    def on_deleted(self, listener: Callable[[], None]) -> None:
        """Call `listener()` (quickly; it runs in the deleting thread) whenever segments were deleted."""
        self._listeners.append(listener)

    def run(self) -> RetentionReport:
        """One pass: age (unless the clock just stepped forward), then the cap, then free space."""
        report = RetentionReport()
        with self._lock:
            held = self._holds()
            if self.age_guard.allows():
                cutoff = self.clock.now() - timedelta(days=self.storage.retention_days)
                while batch := self.catalog.oldest_complete(BATCH, older_than=cutoff, keep=held):
                    report.by_age += len(batch)
                    report.freed_bytes += self._delete(batch)
                self.catalog.delete_outages_before(cutoff)
            if self.storage.max_disk_gb > 0:
                cap = int(self.storage.max_disk_gb * GB)
                excess = self.catalog.total_bytes() - cap
                while excess > 0 and (batch := self._oldest_worth(excess, held)):
                    report.by_cap += len(batch)
                    freed = self._delete(batch)
                    report.freed_bytes += freed
                    excess = self.catalog.total_bytes() - cap
                over = excess > 0 and bool(held)
                if over and not self.holds_over_cap:
                    log.warning("case holds alone exceed the disk cap (max_disk_gb = %s): held video is "
                                "kept and recording goes on", self.storage.max_disk_gb)
                self.holds_over_cap = over
            deleted, freed = self._free_until(int(self.storage.min_free_gb * GB))
            report.by_free_space += deleted
            report.freed_bytes += freed
        if report.deleted:
            log.info(
                "retention deleted %d segment(s), %.1f MB (age %d, disk cap %d, free space %d)",
                report.deleted, report.freed_bytes / 1e6, report.by_age, report.by_cap, report.by_free_space,
            )
            self._notify()
        return report

    def free_space_now(self) -> int:
        """The disk is full: delete the oldest segments until min_free_gb (at least 32 MiB) is free.

        Called by camera threads on ENOSPC; returns the bytes freed (0: nothing left to delete).
        """
        target = max(int(self.storage.min_free_gb * GB), EMERGENCY_FREE_BYTES)
        with self._lock:
            deleted, freed = self._free_until(target)
        if deleted:
            log.warning("disk full: deleted the %d oldest segment(s), %.1f MB", deleted, freed / 1e6)
            self._notify()
        return freed

    def _notify(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:  # noqa: BLE001 - a listener's trouble must never reach a camera thread
                log.exception("a retention listener failed")

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.layout.root).free

    def _holds(self) -> list[Hold]:
        try:
            return case_holds.active(self.layout, to_epoch(self.clock.now()))
        except Exception:  # noqa: BLE001 - an unreadable holds.db must not stop retention or recording
            log.exception("cannot read the case holds; retention keeps no held video this round")
            return []

    def _free_until(self, target: int) -> tuple[int, int]:
        deleted = freed = 0
        newest = None
        held = self._holds()
        while (missing := target - self.free_bytes()) > 0:
            batch = self._oldest_worth(missing, held)
            if not batch and held:
                log.warning("the disk is full of held video: the oldest held segments go, or recording "
                            "would stop")
                held = []
                batch = self._oldest_worth(missing)
            if not batch:
                break
            deleted += len(batch)
            freed += self._delete(batch)
            newest = batch[-1].start
        if newest is not None:
            self._note_space_deletion(freed, to_epoch(newest))
        return deleted, freed

    def _note_space_deletion(self, freed: int, newest_start: float) -> None:
        """Remember that video went for free space (not age): other files may be filling the disk, and
        only an admin can tell. Best effort: a disk this full may refuse even this small file."""
        path = self.layout.root / SPACE_DELETION_FILE
        now = to_epoch(self.clock.now())
        record = {"at": now, "freed_bytes": freed, "newest_deleted_start": newest_start}
        try:
            path.with_suffix(".tmp").write_text(json.dumps(record))
            path.with_suffix(".tmp").replace(path)
        except OSError as exc:
            log.debug("cannot note the space deletion: %s", exc)

    def _oldest_worth(self, size: int, held: list[Hold] | None = None) -> list[Segment]:
        """The fewest oldest segments no hold in `held` covers whose bytes add up to `size` (at least one)."""
        out, total = [], 0
        for segment in self.catalog.oldest_complete(BATCH, keep=held or ()):
            out.append(segment)
            total += segment.bytes
            if total >= size:
                break
        return out

    def _delete(self, segments: list[Segment]) -> int:
        """Delete files and rows together; returns the bytes the files really took."""
        freed = 0
        folders: set[Path] = set()
        for segment in segments:
            path = self.layout.root / segment.path
            try:
                freed += path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                pass
            folders.add(path.parent)
        self.catalog.delete_segments(s.id for s in segments)
        for folder in folders:  # the hour folder, then the date folder, when empty
            for empty in (folder, folder.parent):
                try:
                    empty.rmdir()
                except OSError:
                    break
        return freed
