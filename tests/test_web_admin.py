"""Admin pages: camera state since when, disk and the oldest recording ("13 д 22 год"), camera
effectiveness (sightings per day, overlap within 10 minutes), and the audit viewer."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from webapp import TEST_CASE, choose_case, login, make_config, page_token, seed_sighting

from edge.clock import ManualClock
from edge.layout import DataLayout
from plate_index.store import open_store
from recorder.reasons import OutageReason, Reason
from webui import create_app
from webui.effectiveness import compute

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return ManualClock(NOW)


@pytest.fixture
def layout(data_dir):
    return DataLayout(data_dir)


def add_catalog(layout, clock):
    from recorder.catalog import CameraStatus, Catalog, NewSegment

    catalog = Catalog(layout)
    oldest = NOW - timedelta(days=13, hours=22, minutes=5)
    segment = catalog.add_segment(
        NewSegment("road-north", oldest, "segments/road-north/x.mp4", "h264", 640, 360, None)
    )
    catalog.update_segment(
        segment, start=oldest, end=oldest + timedelta(minutes=1), size=10_000_000, complete=True
    )
    catalog.set_status(
        CameraStatus("road-north", "online", NOW - timedelta(days=2), None, 25.0, 2048.0, NOW, 7, NOW)
    )
    catalog.set_status(
        CameraStatus(
            "village-square",
            "offline",
            NOW - timedelta(minutes=42),
            Reason(OutageReason.CONNECTION_REFUSED),
            0,
            0,
            NOW - timedelta(minutes=42),
            0,
            NOW,
        )
    )
    catalog.close()


def test_admin_overview_shows_cameras_disk_and_the_oldest_recording(web, layout, clock):
    add_catalog(layout, clock)
    client = web.client("admin", clock=clock)
    html = client.get("/admin").get_data(as_text=True)
    assert "13 д 22 год" in html
    assert "працює" in html and "не працює" in html and "з’єднання відхилено" in html  # connection refused
    assert "25.0" in html and "2048" in html
    assert "42 хв 0 с" in html  # offline since 42 minutes
    assert "ГБ" in html


def test_camera_health_is_open_to_volunteers_without_plate_data(web, layout, clock):
    add_catalog(layout, clock)
    seed_sighting(layout, "road-north", "BE7123AA", NOW - timedelta(minutes=3), pictures=False)
    client = web.client("volunteer", clock=clock)
    html = client.get("/cameras").get_data(as_text=True)
    assert "з’єднання відхилено" in html and "Площа" in html
    assert "BE7123AA" not in html and "Пропущені" not in html


def test_a_recorder_that_stopped_writing_status_shows_as_not_running(web, layout, clock):
    add_catalog(layout, clock)
    clock.advance(120)
    client = web.client("volunteer", clock=clock)
    status = client.get("/api/live/status").get_json()
    assert all(not c["online"] for c in status["cameras"])
    assert status["cameras"][0]["reason"] == "recorder_not_running" and status["cameras"][0]["recorder_down"]
    assert status["cameras"][0]["reason_text"] == "запис не працює"


def test_why_a_camera_is_offline_reads_in_the_users_language(web, layout, clock):
    add_catalog(layout, clock)
    client = web.client("volunteer", clock=clock)
    cameras = client.get("/api/live/status").get_json()["cameras"]
    square = [c for c in cameras if c["camera"] == "village-square"]
    assert square[0]["reason"] == "connection_refused"  # the code, for scripts
    assert square[0]["reason_text"] == "з’єднання відхилено"
    client.post("/language", data={"lang": "en", "csrf_token": page_token(client, "/cameras")})
    assert "connection refused" in client.get("/cameras").get_data(as_text=True)


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        ("no video for 10 s", "немає відео 10 с"),
        ("video codec mjpeg cannot be recorded (H.264 or H.265 needed)",
         "формат відео MJPEG не записується (потрібен H.264 або H.265)"),
        ("unauthorized: check the user and password in the camera's url",
         "неправильне ім’я користувача або пароль камери"),
        ("recorder was not running", "запис не працює"),  # catalogs before the codes held English
        ("no_video:4", "немає відео 4 с"),
        ("network_error:host is down", "помилка мережі: host is down"),  # the OS's words, as written
        ("host is down", "host is down"),  # a text Dozor does not know
    ],
)
def test_recorder_reasons_are_translated_and_unknown_ones_shown_as_written(data_dir, reason, shown):
    from webui.reasons import reason_text

    app = create_app(make_config(data_dir))
    with app.test_request_context():
        assert reason_text(Reason.parse(reason)) == shown


def test_overlap_is_the_share_of_sightings_another_camera_saw_within_10_minutes(layout):
    t = NOW - timedelta(days=1)
    sightings = [
        ("AA1111AA", "north", 0),
        ("AA1111AA", "square", 300),  # both see it, 5 min apart
        ("BB2222BB", "north", 0),
        ("BB2222BB", "square", 900),  # 15 min apart: no overlap
        ("CC3333CC", "north", 0),  # only north
        ("DD4444DD", "north", 0),
        ("DD4444DD", "north", 60),  # north twice: not another camera
        ("EE5555EE", "school", 0),
        ("EE5555EE", "square", -599),  # just inside the window
    ]
    for plate, camera, offset in sightings:
        seed_sighting(layout, camera, plate, t + timedelta(seconds=offset), pictures=False)
    result = compute(open_store(layout.plates_db), NOW - timedelta(days=7), NOW)
    assert result.totals == {"north": 5, "square": 3, "school": 1}
    assert result.overlap["north"] == pytest.approx(1 / 5)
    assert result.overlap["square"] == pytest.approx(2 / 3)
    assert result.overlap["school"] == 1.0
    assert result.pairs[("north", "square")] == pytest.approx(1 / 5)
    assert result.pairs[("square", "school")] == pytest.approx(1 / 3)
    assert sum(result.per_day["north"].values()) == 5
    assert len(result.days) == 8


def test_effectiveness_table_on_the_admin_page(web, layout, clock):
    seed_sighting(layout, "road-north", "AA1111AA", NOW - timedelta(hours=1), pictures=False)
    seed_sighting(layout, "village-square", "AA1111AA", NOW - timedelta(hours=1, minutes=-3), pictures=False)
    client = web.client("admin", clock=clock)
    html = client.get("/admin").get_data(as_text=True)
    assert "Ефективність камер" in html and "100 %" in html


def test_audit_viewer_lists_who_did_what_and_flags_tampering(web, layout, clock):
    app = web.app(clock=clock)
    police = app.test_client()
    login(police, "police")
    choose_case(police, **TEST_CASE)
    police.get("/api/search?q=BE7")
    admin = app.test_client()
    login(admin, "admin")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "пошук номера" in html and "BE7" in html and "Ланцюжок цілий" in html
    only = admin.get("/admin/audit?action=search").get_data(as_text=True)
    assert "вхід</td>" not in only
    conn = sqlite3.connect(layout.web_db)
    conn.execute("DROP TRIGGER audit_no_update")
    with conn:
        conn.execute("UPDATE audit SET target = 'XYZ' WHERE action = 'search'")
    conn.close()
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "Журнал доступу змінено сторонніми" in html and "triggers" in html  # the quick check's find
    app.extensions["dozor_audit_keeper"].tick()  # a round of the background pass re-hashes old entries
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "Журнал доступу змінено сторонніми" in html and "edited" in html


def test_admin_is_told_when_the_disk_forced_deleting_recordings_inside_retention(web, layout, clock):
    import json

    from recorder.retention import SPACE_DELETION_FILE

    add_catalog(layout, clock)
    client = web.client("admin", clock=clock)
    assert 'id="disk-alert"' not in client.get("/admin").get_data(as_text=True)
    deleted_at = NOW - timedelta(minutes=2)
    (layout.root / SPACE_DELETION_FILE).write_text(json.dumps({
        "at": deleted_at.timestamp(), "freed_bytes": 9_000_000,
        "newest_deleted_start": (deleted_at - timedelta(days=1, hours=3)).timestamp(),
    }))
    html = client.get("/admin").get_data(as_text=True)
    assert 'id="disk-alert"' in html
    assert "Диск заповнено" in html and "1 д 3 год" in html and "менше ніж 14 днів" in html
    clock.advance(2 * 3600)  # an hour after the last deletion the alert is gone (the disk recovered)
    assert 'id="disk-alert"' not in client.get("/admin").get_data(as_text=True)


def test_police_and_admins_are_told_when_plate_reading_is_turned_off_in_the_settings(web, data_dir):
    from webapp import make_config

    config = make_config(data_dir)
    off = config.model_copy(update={"lpr": config.lpr.model_copy(update={"enabled": False})})
    for role in ("police", "admin"):
        page = web.client(role, app=web.app(config=off)).get("/cameras").get_data(as_text=True)
        assert 'id="plate-reading-off"' in page and "enabled = true" in page, role
    page = web.client("volunteer", app=web.app(config=off)).get("/cameras").get_data(as_text=True)
    assert 'id="plate-reading-off"' not in page
    page = web.client("police").get("/cameras").get_data(as_text=True)
    assert 'id="plate-reading-off"' not in page  # on, and nothing reported broken
