"""`/healthz` for monitoring: besides the web UI's own health it says whether the appliance records
(cameras online of configured, age of the newest segment, free disk), still without any name or plate."""

from __future__ import annotations

from datetime import timedelta

from webapp import make_config

from edge.clock import ManualClock
from edge.layout import DataLayout
from recorder.catalog import CameraStatus, Catalog, NewSegment
from recorder.reasons import OutageReason, Reason
from webui import create_app


def test_healthz_tells_monitoring_whether_the_appliance_records(data_dir):
    clock = ManualClock()
    now = clock.now()
    catalog = Catalog(DataLayout(data_dir))
    start = now - timedelta(seconds=75)
    segment = catalog.add_segment(NewSegment("road-north", start, "segments/road-north/a.mp4", "h264", 640,
                                             360, None))
    catalog.update_segment(segment, start=start, end=now - timedelta(seconds=15), size=10, complete=True)
    catalog.set_status(CameraStatus("road-north", "online", now, None, 25, 900, now, 0, now))
    timed_out = Reason(OutageReason.TIMED_OUT)
    catalog.set_status(CameraStatus("village-square", "offline", now, timed_out, 0, 0, None, 0, now))
    catalog.close()
    client = create_app(make_config(data_dir), clock=clock).test_client()

    body = client.get("/healthz").json
    assert body["status"] == "ok"
    assert body["recording"] == {"running": True, "cameras_online": 1, "cameras_total": 2,
                                 "last_segment_age_s": 15.0}
    assert body["disk"]["free_gb"] > 0
    assert "road-north" not in str(body) and "village-square" not in str(body)

    clock.advance(60)  # the recorder stopped refreshing its status rows
    body = client.get("/healthz").json
    assert body["recording"]["running"] is False and body["recording"]["cameras_online"] == 0
    assert body["recording"]["last_segment_age_s"] == 75.0


def test_healthz_before_anything_was_recorded(data_dir):
    client = create_app(make_config(data_dir), clock=ManualClock()).test_client()
    body = client.get("/healthz").json
    assert body["recording"] == {"running": False, "cameras_online": 0, "cameras_total": 2,
                                 "last_segment_age_s": None}

