"""Passes: every plate the detector follows across frames, read or not, counted for the site report."""

from __future__ import annotations

from plate_index.passes import Pass, PassTracker, PlateView, insert_pass, pass_figures
from plate_index.store import open_store


def view(t: float, x: int, width: int = 120, read: bool = False, confidence: float = 0.0) -> PlateView:
    return PlateView(t, (x, 400, x + width, 430), read, confidence)


def test_a_plate_crossing_the_picture_is_one_pass_even_with_missed_frames():
    tracker = PassTracker()
    ended = []
    for step in range(15):  # 3 s at 5 frames/s, moving 77 px a frame; frames 5 and 6 missed
        if step not in (5, 6):
            ended += tracker.add("cam", step * 0.2, [view(step * 0.2, 1100 - 77 * step, read=step == 9)])
    ended += tracker.flush()
    assert len(ended) == 1
    assert len(ended[0].views) == 13 and ended[0].read


def test_the_next_car_after_a_gap_and_a_second_plate_on_the_same_frame_are_passes_of_their_own():
    tracker = PassTracker()
    ended = tracker.add("cam", 0.0, [view(0.0, 100), view(0.0, 900)])  # two lanes at once
    ended += tracker.add("cam", 0.2, [view(0.2, 120), view(0.2, 880)])
    for step in range(2, 8):  # 1.2 s of frames without plates: the two passes end
        ended += tracker.add("cam", step * 0.2, [])
    ended += tracker.add("cam", 1.6, [view(1.6, 1100)])
    ended += tracker.flush()
    assert sorted(len(p.views) for p in ended) == [1, 2, 2]


def test_a_fast_car_is_followed_and_a_plate_where_the_last_one_came_in_is_another_car():
    tracker = PassTracker()
    for step in range(4):  # crossing the picture: 5 plate widths a frame, right to left
        tracker.add("cam", step * 0.2, [view(step * 0.2, 1700 - 500 * step, width=100)])
    tracker.add("cam", 0.8, [view(0.8, 1700, width=100)])  # the next car enters where the first did
    assert sorted(len(p.views) for p in tracker.flush()) == [1, 4]


def test_a_plate_lost_for_frames_is_found_again_where_its_speed_takes_it():
    tracker = PassTracker()
    for step in (0, 1, 4, 5):  # a small plate moving more than its width a frame, missed twice
        tracker.add("cam", step * 0.2, [view(step * 0.2, 1200 - 70 * step, width=55)])
    assert [len(p.views) for p in tracker.flush()] == [4]


def test_cameras_are_tracked_apart():
    tracker = PassTracker()
    tracker.add("a", 0.0, [view(0.0, 100)])
    tracker.add("b", 0.1, [view(0.1, 100)])
    assert sorted(p.camera for p in tracker.flush()) == ["a", "b"]


def test_stored_passes_give_seen_read_and_median_width_per_camera_and_period(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    widths = {"cam": [(90, True), (130, False), (150, True), (110, True)], "other": [(60, False)]}
    for camera, rows in widths.items():
        for number, (width, read) in enumerate(rows):
            moment = 1000.0 + number * 10
            insert_pass(conn, Pass(camera, [view(moment, 0, width=width // 2),
                                            view(moment + 0.2, 10, width=width, read=read, confidence=0.9)]))
    figures = pass_figures(conn, "cam", 1000.0, 1040.0)
    assert (figures.seen, figures.read, figures.median_width) == (4, 3, 120.0)
    assert figures.share_read == 0.75
    assert pass_figures(conn, "cam", 1015.0, 1040.0).seen == 2  # by first_seen in [since, until)
    assert pass_figures(conn, "nobody", 0, 2000).median_width is None
    row = conn.execute("SELECT * FROM passes WHERE camera = 'other'").fetchone()
    assert (row["views"], row["width"], row["read"]) == (2, 60, 0)
    assert "plate" not in {c[1] for c in conn.execute("PRAGMA table_info(passes)")}  # no text kept


def test_retention_deletes_passes_with_the_sightings(tmp_path):
    from edge.layout import DataLayout
    from plate_index.store import prune

    conn = open_store(tmp_path / "plates.db")
    for moment in (100.0, 200.0, 300.0):
        insert_pass(conn, Pass("cam", [view(moment, 0)]))
    prune(conn, DataLayout(tmp_path), 250.0)
    assert [r[0] for r in conn.execute("SELECT first_seen FROM passes")] == [300.0]


def test_a_pass_survives_slow_analysis_seconds_apart():
    tracker = PassTracker()
    ended = []
    for t in (0.0, 1.3, 2.6):  # an overloaded machine analyses a frame every 1.3 s
        ended += tracker.add("cam", t, [view(t, 1200 - int(300 * t))])
    assert ended == [] and [len(p.views) for p in tracker.flush()] == [3]
