"""A step of the wall clock moves one daemon run's times onto the new clock, and nothing else.

The parts, each on its real store: the step watch (edge.clock_steps), the segment catalog
(recorder.catalog.Catalog.shift_times), the plate store (plate_index.store.follow_clock_shift, with search
keys and watchlist alerts), and sightings still being grouped (plate_index.grouping). The recorder and the
plate pipeline doing it end to end: tests/faults/test_clock_jumps.py and tests/test_lpr_pipeline.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edge.clock import ManualClock, to_epoch
from edge.clock_steps import ClockStepWatch
from edge.layout import DataLayout
from plate_index.grouping import PlateRead, SightingGrouper
from plate_index.search import search
from plate_index.store import NewSighting, follow_clock_shift, insert_sighting, last_sighting_id, open_store
from plate_index.watch_alerts import raise_alerts
from plate_index.watchlist import add_entry
from recorder.catalog import Catalog, NewSegment, list_segments, outages_between
from recorder.reasons import OutageReason, Reason

T0 = datetime(2026, 3, 15, 12, tzinfo=UTC)
HOUR = 3600.0


def test_the_watch_sees_steps_both_ways_but_not_time_passing_or_slewing():
    clock = ManualClock(T0)
    watch = ClockStepWatch(clock)
    clock.advance(600)
    assert watch.look() == 0.0
    clock.jump(-90)
    assert watch.look() == -90.0
    assert watch.look() == 0.0  # a step is reported once
    for _ in range(100):  # NTP slewing: 0.5 ms per second, looked at every 5 s, never adds up to a step
        clock.advance(5)
        clock.jump(0.0025)
        assert watch.look() == 0.0
    clock.jump(30 * 86400)
    assert watch.look() == 30 * 86400


def _segment(catalog, layout, camera, start):
    path = layout.segment_file(camera, start)
    row = catalog.add_segment(NewSegment(camera, start, layout.relative(path), "h264", 640, 360, None))
    catalog.update_segment(row, start=start, end=start + timedelta(minutes=1), size=1, complete=True)
    return row


def test_catalog_moves_this_runs_rows_of_the_camera_only(tmp_path):
    layout = DataLayout(tmp_path)
    catalog = Catalog(layout)
    earlier_run = _segment(catalog, layout, "gate", T0 - timedelta(hours=2))
    power_cut = catalog.open_outage("gate", T0 - timedelta(hours=3),
                                    Reason(OutageReason.RECORDER_NOT_RUNNING))
    catalog.close_outage(power_cut, T0 - timedelta(hours=2))
    mine = catalog.last_ids()
    ours = [_segment(catalog, layout, "gate", T0 + timedelta(minutes=m)) for m in range(3)]
    other_camera = _segment(catalog, layout, "road", T0)
    open_outage = catalog.open_outage("gate", T0 + timedelta(minutes=3),
                                      Reason(OutageReason.CONNECTION_CLOSED))

    assert catalog.shift_times("gate", mine, -HOUR) == (3, 1)

    by_id = {s.id: s for s in list_segments(catalog.read())}
    assert by_id[earlier_run].start == T0 - timedelta(hours=2)
    assert by_id[other_camera].start == T0
    assert [by_id[i].start for i in ours] == [T0 - timedelta(hours=1, minutes=-m) for m in range(3)]
    assert all(by_id[i].seconds == 60 for i in ours)
    outages = outages_between(catalog.read(), "gate", T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert [(o.start, o.end) for o in outages] == [
        (T0 - timedelta(hours=3), T0 - timedelta(hours=2)),  # an earlier run's: its times stay
        (T0 + timedelta(minutes=3) - timedelta(hours=1), None),  # still open: it ends on the new clock
    ]
    assert open_outage == outages[1].id


def _new(camera, plate, first_seen, clock_shift=0.0):
    return NewSighting(camera, plate, first_seen, first_seen + 2, 0.95, 6, alternatives=["BE1234AX"],
                       clock_shift=clock_shift)


def test_store_moves_this_runs_sightings_their_search_keys_and_alerts_once(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    add_entry(conn, "BE12*", "stolen", "police", T0)
    before = insert_sighting(conn, _new("gate", "BE1234AA", to_epoch(T0) - 2 * HOUR))  # an earlier run
    run_start = last_sighting_id(conn)
    mine = insert_sighting(conn, _new("gate", "BE1234AA", to_epoch(T0) + 10))
    raise_alerts(conn, mine, "gate", "BE1234AA", [], to_epoch(T0) + 10, to_epoch(T0))
    other = insert_sighting(conn, _new("road", "BE1234AA", to_epoch(T0) + 20))

    assert follow_clock_shift(conn, "gate", run_start, -HOUR) == 1
    assert follow_clock_shift(conn, "gate", run_start, -HOUR) == 0  # idempotent: the row knows its shift

    t = to_epoch(T0)
    times = dict(conn.execute("SELECT id, first_seen FROM sightings"))
    assert times == {before: t - 2 * HOUR, mine: t + 10 - HOUR, other: t + 20}
    length = conn.execute("SELECT last_seen - first_seen FROM sightings WHERE id = ?", (mine,)).fetchone()[0]
    assert length == 2
    assert conn.execute("SELECT first_seen FROM alerts").fetchone()[0] == to_epoch(T0) + 10 - HOUR
    # Search finds the moved sighting at its new time, through the moved keys, and only there.
    found = search(conn, "BE1", since=T0 - timedelta(minutes=61), until=T0 - timedelta(minutes=59))
    assert [s.id for s in found] == [mine]
    assert [s.id for s in search(conn, "ВЕ1", since=T0, until=T0 + timedelta(minutes=1))] == [other]

    # A later step forward (+1 h 30 min in all from the start of the run) moves it from where it is now.
    assert follow_clock_shift(conn, "gate", run_start, 30 * 60) == 1
    assert conn.execute("SELECT first_seen FROM sightings WHERE id = ?", (mine,)).fetchone()[0] == (
        to_epoch(T0) + 10 + 30 * 60
    )


def _read(camera, t, text="BE1234AA"):
    return PlateRead(camera, t, text, (0.9,) * len(text), 0.9)


def test_open_sightings_follow_the_step_and_later_reads_still_join_them():
    grouper = SightingGrouper(gap_seconds=3)
    t = to_epoch(T0)
    for i in range(3):
        grouper.add(_read("gate", t + i * 0.2))
    grouper.add(_read("road", t))
    grouper.shift("gate", -HOUR)
    # The next frame of the same car, timed on the new clock, joins the same sighting.
    _, closed = grouper.add(_read("gate", t - HOUR + 0.8))
    assert closed == []
    (gate,) = [s for s in grouper.flush("gate")]
    assert len(gate.reads) == 4 and gate.first_seen == t - HOUR and gate.last_seen == t - HOUR + 0.8
    (road,) = grouper.flush("road")
    assert road.first_seen == t
