"""Case holds (issue 14, item 2): with the clock moved past retention, held segments, sightings and
pictures stay while unheld ones go; the hold's end date releases them (audited, with the hold's case);
held video counts towards the disk cap, and when holds alone exceed it the oldest unheld goes first,
nothing held goes, and `dozor status` says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from webapp import seed_pass, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from dozor.holds_job import end_due_holds
from edge.clock import ManualClock, to_epoch
from edge.config import parse_config
from edge.layout import DataLayout
from health.status import take_snapshot
from plate_index.retention import prune_plates
from plate_index.search import get_sighting
from plate_index.store import open_store
from recorder import holds
from recorder.catalog import Catalog, NewSegment, list_segments
from recorder.retention import Retention

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
DAY13 = NOW - timedelta(days=13)  # a car found on day 13 of 14


def segment(catalog: Catalog, layout: DataLayout, camera: str, start: datetime, size: int) -> str:
    path = layout.segment_file(camera, start)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    segment_id = catalog.add_segment(NewSegment(camera, start, layout.relative(path), "h264", 640, 360, None))
    catalog.update_segment(segment_id, start=start, end=start + timedelta(minutes=1), size=size,
                           complete=True)
    return layout.relative(path)


@pytest.fixture
def site(data_dir, tmp_path):
    """Three one-minute segments on road-north and one on village-square at day 13, a sighting in the
    first and in the square's, and a hold from the first sighting (1 min of video around it)."""
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    paths = [segment(catalog, layout, "road-north", DAY13 + timedelta(minutes=m), 10_000) for m in range(3)]
    paths.append(segment(catalog, layout, "village-square", DAY13, 10_000))
    held_sighting = seed_sighting(layout, "road-north", "BE7123AA", DAY13 + timedelta(seconds=20))
    free_sighting = seed_sighting(layout, "village-square", "AA1234BB", DAY13 + timedelta(seconds=20))
    start, end = to_epoch(DAY13), to_epoch(DAY13 + timedelta(minutes=1, seconds=30))
    conn = holds.open_holds(layout)
    hold_id = holds.place(conn, holds.Hold(0, "road-north", start, end, held_sighting, "ЄО 4512", "theft",
                                           "police", to_epoch(NOW), to_epoch(NOW + timedelta(days=30))))
    conn.close()
    config_path = tmp_path / "dozor.toml"
    config_path.write_text(f'[storage]\npath = "{data_dir}"\nretention_days = 14\nmin_free_gb = 0\n')
    config = parse_config({"storage": {"path": str(data_dir), "retention_days": 14, "min_free_gb": 0}})
    yield layout, catalog, config, paths, (held_sighting, free_sighting), hold_id, config_path
    catalog.close()


def sighting_and_pictures(layout, sighting_id):
    conn = open_store(layout.plates_db)
    try:
        hit = get_sighting(conn, sighting_id)
    finally:
        conn.close()
    if hit is None:
        return None
    return [(layout.root / p).exists() for p in (hit.crop_path, hit.scene_path)]


def run_retention(layout, catalog, config, clock):
    Retention(catalog, layout, config.storage, clock).run()
    prune_plates(config, clock)


def test_past_retention_held_data_stays_and_unheld_goes_until_the_end_date(site):
    layout, catalog, config, paths, (held, free), hold_id, _ = site
    clock = ManualClock(NOW + timedelta(days=2))  # day 15: everything is past retention
    run_retention(layout, catalog, config, clock)
    left = {s.path for s in list_segments(catalog.read())}
    assert left == set(paths[:2]), "the two segments the hold covers stay, the third and the square's go"
    assert all((layout.root / p).exists() for p in paths[:2]) and not (layout.root / paths[2]).exists()
    assert sighting_and_pictures(layout, held) == [True, True]
    assert sighting_and_pictures(layout, free) is None

    clock.advance(timedelta(days=29).total_seconds())  # the end date passes (placed at NOW + 30 days)
    assert end_due_holds(layout, clock) == 1
    run_retention(layout, catalog, config, clock)
    assert list_segments(catalog.read()) == [] and not (layout.root / paths[0]).exists()
    assert sighting_and_pictures(layout, held) is None
    conn = open_web_db(layout)
    (ended,) = audit.entries(conn, action=AuditAction.HOLD_ENDED)
    conn.close()
    assert (ended.actor, ended.target, ended.case_number, ended.case_reason) == (
        "system", f"hold {hold_id}", "ЄО 4512", "theft")
    assert ended.detail["camera"] == "road-north" and "BE7123AA" not in str(ended.detail)
    assert end_due_holds(layout, clock) == 0, "an ended hold ends once"


def passes_left(layout) -> list[tuple[str, float]]:
    conn = open_store(layout.plates_db)
    try:
        return [(row[0], row[1]) for row in conn.execute("SELECT camera, first_seen FROM passes ORDER BY id")]
    finally:
        conn.close()


def test_passes_a_hold_covers_stay_past_retention_like_its_sightings(site):
    """Passes without a plate (a camera's passes in a time window, their pictures cut from the video)
    are plate data a hold keeps too: past retention the held camera's passes inside the held range stay,
    the rest go, and the hold's end date releases them."""
    layout, catalog, config, *_ = site
    inside = seed_pass(layout, "road-north", DAY13 + timedelta(seconds=40))
    seed_pass(layout, "road-north", DAY13 + timedelta(minutes=2))  # the same camera, after the range
    seed_pass(layout, "village-square", DAY13 + timedelta(seconds=40))  # another camera, same time
    clock = ManualClock(NOW + timedelta(days=2))
    run_retention(layout, catalog, config, clock)
    assert passes_left(layout) == [("road-north", to_epoch(DAY13 + timedelta(seconds=40)))], inside
    clock.advance(timedelta(days=29).total_seconds())
    assert end_due_holds(layout, clock) == 1
    run_retention(layout, catalog, config, clock)
    assert passes_left(layout) == []


def test_a_hold_whose_end_cannot_be_audited_is_ended_at_the_next_run_with_its_entry(site, monkeypatch):
    """Every step of a hold is audited: when web.db cannot take the entry (locked, full), the hold must
    not be marked ended without one; the next minute's run ends it and writes the entry."""
    import sqlite3

    from accounts import audit as audit_module

    layout, *_, hold_id, _ = site
    clock = ManualClock(NOW + timedelta(days=31))
    real_append = audit_module.append

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(audit_module, "append", locked)
    with pytest.raises(sqlite3.OperationalError):
        end_due_holds(layout, clock)
    monkeypatch.setattr(audit_module, "append", real_append)
    conn = holds.open_holds(layout)
    assert holds.get(conn, hold_id).released_at is None, "ended without an audit entry"
    conn.close()
    assert end_due_holds(layout, clock) == 1
    conn = open_web_db(layout)
    assert [e.target for e in audit.entries(conn, action=AuditAction.HOLD_ENDED)] == [f"hold {hold_id}"]
    conn.close()


def test_a_hold_released_by_hand_keeps_nothing(site):
    layout, catalog, config, paths, (held, _), hold_id, _ = site
    conn = holds.open_holds(layout)
    assert holds.release(conn, hold_id, to_epoch(NOW), "olena")
    assert not holds.release(conn, hold_id, to_epoch(NOW), "olena"), "released once"
    conn.close()
    run_retention(layout, catalog, config, ManualClock(NOW + timedelta(days=2)))
    assert list_segments(catalog.read()) == [] and sighting_and_pictures(layout, held) is None


def test_when_holds_alone_exceed_the_disk_cap_unheld_goes_first_and_status_says_so(site):
    layout, catalog, _, paths, _, _, config_path = site
    clock = ManualClock(NOW)  # nothing is past retention: only the cap deletes
    young = segment(catalog, layout, "village-square", NOW - timedelta(hours=1), 10_000)
    cap_gb = 15_000 / 1e9  # the two held segments alone are 20,000 bytes
    config = parse_config({"storage": {"path": str(layout.root), "max_disk_gb": cap_gb, "min_free_gb": 0}})
    assert take_snapshot(config, NOW).disk["holds_over_cap"] is True
    Retention(catalog, layout, config.storage, clock).run()
    left = {s.path for s in list_segments(catalog.read())}
    assert left == set(paths[:2]), "every unheld segment went, the newest too; the held ones stay"
    assert young not in left
    snap = take_snapshot(config, NOW)
    assert (snap.disk["holds"], snap.disk["held_gb"]) == (1, 0.0)  # 20 kB rounds to 0.00 GB
    assert any("case holds alone exceed the disk cap" in e for e in snap.errors)
    config_path.write_text(config_path.read_text() + f"max_disk_gb = {cap_gb}\n")
    status = CliRunner().invoke(main, ["status", "--config", str(config_path)])
    assert "case holds alone exceed the disk cap" in status.output


def test_under_the_cap_no_alert(site):
    layout, _, _, _, _, _, _ = site
    config = parse_config({"storage": {"path": str(layout.root), "max_disk_gb": 1, "min_free_gb": 0}})
    snap = take_snapshot(config, NOW)
    assert snap.disk["holds"] == 1 and snap.disk["holds_over_cap"] is False
    assert not any("case holds" in e for e in snap.errors)


@pytest.fixture
def small_disk(tmp_path):
    from recording import tmpfs

    with tmpfs(tmp_path / "disk", 16) as mount_point:
        yield mount_point


def test_a_full_disk_takes_unheld_video_first_and_held_only_when_nothing_else_is_left(small_disk):
    """Recording must never stop: the free-space floor takes the oldest unheld segments first, and held
    ones, oldest first, only when no unheld segment is left."""
    import shutil

    layout, clock = DataLayout(small_disk), ManualClock(NOW)
    catalog = Catalog(layout)
    start = NOW - timedelta(minutes=30)
    paths = [segment(catalog, layout, "road-north", start + timedelta(minutes=i), 1_000_000)
             for i in range(8)]
    conn = holds.open_holds(layout)  # the four oldest are held
    four_minutes = to_epoch(start), to_epoch(start + timedelta(minutes=4))
    holds.place(conn, holds.Hold(0, "road-north", *four_minutes, None, "ЄО 1", "theft", "police",
                                 to_epoch(NOW), to_epoch(NOW + timedelta(days=9))))
    conn.close()
    storage = parse_config({"storage": {"path": str(small_disk), "min_free_gb": 0.003}}).storage
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - 500_000))  # half a MB left
    Retention(catalog, layout, storage, clock).run()  # 3 MB to free: three unheld, the oldest of them
    assert {s.path for s in list_segments(catalog.read())} == {*paths[:4], paths[7]}
    with ballast.open("ab") as more:
        more.write(b"\0" * (shutil.disk_usage(small_disk).free - 500_000))
    Retention(catalog, layout, storage, clock).run()  # the last unheld, then the oldest held
    assert {s.path for s in list_segments(catalog.read())} == set(paths[2:4])
    catalog.close()
