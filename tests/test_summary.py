"""The nightly summary: recorded hours per camera, outages and sightings of one local day (DST days
included), one line in the log, kept in summaries.db (the last 14 for the admin page), written at
00:05 local time, and caught up at start-up when the daemon was down then."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from recording import make_config

from dozor.supervisor import Supervisor
from edge.clock import ManualClock, to_epoch
from edge.config import parse_config
from edge.jobs import Jobs
from edge.layout import DataLayout
from health.summary import NightlySummary, day_bounds, recent_summaries, store_summary, summarise_day
from plate_index.store import NewSighting, insert_sighting, open_store
from recorder.catalog import Catalog, NewSegment
from recorder.reasons import OutageReason, Reason

KYIV = ZoneInfo("Europe/Kyiv")


def config_for(data_dir):
    return parse_config({
        "storage": {"path": str(data_dir), "min_free_gb": 0},
        "cameras": [{"name": "road-north", "url": "rtsp://10.0.0.11/s"},
                    {"name": "yard", "url": "rtsp://10.0.0.12/s", "lpr": False}],
    })


def local(day: str, hh: int, mm: int = 0) -> datetime:
    return datetime.fromisoformat(f"{day}T{hh:02d}:{mm:02d}").replace(tzinfo=KYIV).astimezone(UTC)


def record_hours(catalog, camera, start, end):
    """One-minute segments from start to end, like the recorder's."""
    moment = start
    while moment < end:
        stop = min(moment + timedelta(minutes=1), end)
        sid = catalog.add_segment(NewSegment(camera, moment, f"segments/{camera}/{to_epoch(moment)}.mp4",
                                             "h264", 1280, 720, None))
        catalog.update_segment(sid, start=moment, end=stop, size=1000, complete=True)
        moment = stop


@pytest.fixture
def a_day(data_dir):
    """road-north: 23:30 the day before to 12:00 and 12:20 to 18:00 (one 20-minute outage);
    yard: nothing recorded, offline all day. 3 sightings on road-north that day, 1 the day after."""
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    record_hours(catalog, "road-north", local("2026-03-09", 23, 30), local("2026-03-10", 12))
    record_hours(catalog, "road-north", local("2026-03-10", 12, 20), local("2026-03-10", 18))
    refused = Reason(OutageReason.CONNECTION_REFUSED)
    outage = catalog.open_outage("road-north", local("2026-03-10", 12), refused)
    catalog.close_outage(outage, local("2026-03-10", 12, 20))
    catalog.open_outage("yard", local("2026-03-08", 9), Reason(OutageReason.NO_ROUTE))  # still going on
    catalog.close()
    conn = open_store(layout.plates_db)
    for moment in (local("2026-03-10", 8), local("2026-03-10", 9), local("2026-03-10", 23, 59),
                   local("2026-03-11", 0, 1)):
        insert_sighting(conn, NewSighting("road-north", "AA1234BB", to_epoch(moment), to_epoch(moment) + 2,
                                          0.9, 3))
    conn.close()
    return config_for(data_dir)


def test_a_day_is_summarised_in_local_time(a_day):
    summary = summarise_day(a_day, date(2026, 3, 10), KYIV, now=local("2026-03-11", 0, 5))
    north, yard = summary.cameras
    assert (north.recorded_hours, north.outages, north.outage_minutes, north.sightings) == (17.67, 1, 20.0, 3)
    assert (yard.recorded_hours, yard.outages, yard.outage_minutes, yard.sightings) == (0, 1, 1440.0, 0)
    assert summary.line().startswith(
        "summary 2026-03-10: road-north 17.7 h, 1 outage (20 min), 3 sightings; "
        "yard 0.0 h, 1 outage (1440 min), 0 sightings; disk 0.0 GB recorded, ")
    assert summary.line().endswith("GB free")


def test_a_dst_day_has_23_hours():
    start, end = day_bounds(date(2026, 3, 29), KYIV)
    assert (end - start).total_seconds() == 23 * 3600


def test_the_nightly_job_logs_and_stores_yesterday_and_catch_up_does_not_repeat_it(a_day, caplog):
    clock = ManualClock(local("2026-03-11", 0, 5))
    nightly = NightlySummary(a_day, clock, KYIV)
    caplog.set_level(logging.INFO, logger="health.summary")
    nightly.run()
    assert "summary 2026-03-10: road-north 17.7 h" in caplog.text
    assert nightly.catch_up() is None, "yesterday is already there"
    clock.advance(86400)
    assert nightly.catch_up().day == "2026-03-11", "the daemon was down at 00:05"
    assert [s.day for s in recent_summaries(DataLayout(a_day.storage.path))] == ["2026-03-11", "2026-03-10"]


def test_the_admin_page_gets_the_last_14_days_newest_first(a_day):
    layout = DataLayout(a_day.storage.path)
    first = summarise_day(a_day, date(2026, 3, 10), KYIV, now=local("2026-03-11", 0, 5))
    for n in range(16):
        first.day = (date(2026, 3, 1) + timedelta(days=n)).isoformat()
        store_summary(layout, first, local("2026-03-20", 0, 5))
    days = [s.day for s in recent_summaries(layout)]
    assert days[0] == "2026-03-16" and days[-1] == "2026-03-03" and len(days) == 14


def test_the_nightly_job_runs_at_0005_local_time_also_after_a_clock_change(monkeypatch):
    import tzlocal

    monkeypatch.setenv("TZ", "Europe/Kyiv")
    tzlocal.reload_localzone()
    jobs = Jobs()
    try:
        jobs.daily("nightly-summary", 0, 5, lambda: None)
        trigger = jobs._scheduler.get_job("nightly-summary").trigger
        before_dst = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, tzinfo=KYIV))
        after_dst = trigger.get_next_fire_time(None, datetime(2026, 3, 29, 12, tzinfo=KYIV))
        assert before_dst.astimezone(KYIV).strftime("%H:%M %z") == "00:05 +0200"
        assert after_dst.astimezone(KYIV).strftime("%H:%M %z") == "00:05 +0300"
    finally:
        monkeypatch.delenv("TZ")
        tzlocal.reload_localzone()


@pytest.mark.slow
def test_the_daemon_schedules_the_summary_and_catches_up_at_start(data_dir, tmp_path):
    supervisor = Supervisor(make_config(data_dir, {}), tmp_path / "c.toml", factories=[])
    threading.Timer(2.5, supervisor.request_stop).start()
    assert supervisor.run() == 0
    (summary,) = recent_summaries(DataLayout(data_dir))
    assert summary.day == (datetime.now().astimezone() - timedelta(days=1)).date().isoformat()
