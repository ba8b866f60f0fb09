"""Retention: old video goes after retention_days, the oldest goes first when over the cap or short of
free space, files and catalog rows go together, and a segment being written is never touched."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from recording import tmpfs

from edge.clock import ManualClock
from edge.config import StorageConfig
from edge.layout import DataLayout
from recorder.catalog import Catalog, NewSegment, list_segments
from recorder.retention import Retention

START = datetime(2026, 3, 1, tzinfo=UTC)


def _segment(catalog: Catalog, layout: DataLayout, camera: str, start: datetime, size: int,
             *, complete: bool = True) -> Path:
    path = layout.segment_file(camera, start)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    segment_id = catalog.add_segment(NewSegment(camera, start, layout.relative(path), "h264", 640, 360, None))
    end = start + timedelta(minutes=1)
    catalog.update_segment(segment_id, start=start, end=end, size=size, complete=complete)
    return path


def _retention(layout: DataLayout, catalog: Catalog, clock, **storage) -> Retention:
    return Retention(catalog, layout, StorageConfig(path=layout.root, **storage), clock)


def test_segments_older_than_retention_days_are_deleted_with_their_rows(data_dir):
    layout, clock = DataLayout(data_dir), ManualClock(START)
    catalog = Catalog(layout)
    old = [_segment(catalog, layout, cam, START - timedelta(days=15, minutes=i), 1000) for i, cam in
           enumerate(["a", "b", "a"])]
    young = [_segment(catalog, layout, cam, START - timedelta(days=13), 1000) for cam in ("a", "b")]
    still_writing = _segment(catalog, layout, "c", START - timedelta(days=20), 1000, complete=False)

    report = _retention(layout, catalog, clock, retention_days=14, min_free_gb=0).run()

    assert report.by_age == 3
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in young) and still_writing.exists()
    kept = {layout.relative(p) for p in [*young, still_writing]}
    assert {s.path for s in list_segments(catalog.read())} == kept
    assert not old[0].parent.exists(), "empty hour folders are removed"

    clock.advance(timedelta(days=2).total_seconds())  # two days later the young ones are old too
    assert _retention(layout, catalog, clock, retention_days=14, min_free_gb=0).run().by_age == 2


def test_over_the_disk_cap_the_oldest_go_first_across_cameras(data_dir):
    layout, clock = DataLayout(data_dir), ManualClock(START)
    catalog = Catalog(layout)
    paths = [_segment(catalog, layout, cam, START - timedelta(minutes=10 - i), 100_000)
             for i, cam in enumerate(["a", "b", "c", "a", "b", "c"])]

    report = _retention(layout, catalog, clock, max_disk_gb=0.00035, min_free_gb=0).run()

    assert report.by_cap == 3
    assert [p.exists() for p in paths] == [False, False, False, True, True, True]
    assert catalog.total_bytes() <= 350_000


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 16 MiB file system, so free space is real."""
    with tmpfs(tmp_path / "disk", 16) as mount_point:
        yield mount_point


def test_below_min_free_the_oldest_are_deleted_until_enough_is_free(small_disk):
    layout, clock = DataLayout(small_disk), ManualClock(START)
    catalog = Catalog(layout)
    paths = [_segment(catalog, layout, "a", START - timedelta(minutes=10 - i), 1_000_000) for i in range(8)]
    ballast = small_disk / "ballast"
    free = shutil.disk_usage(small_disk).free
    ballast.write_bytes(b"\0" * (free - 500_000))  # half a MB left

    report = _retention(layout, catalog, clock, min_free_gb=0.003).run()  # keep 3 MB free

    assert shutil.disk_usage(small_disk).free >= 3_000_000
    assert report.by_free_space == 3, "exactly the oldest three make 3 MB"
    assert [p.exists() for p in paths] == [False] * 3 + [True] * 5
