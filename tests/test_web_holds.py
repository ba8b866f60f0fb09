"""Case holds from the web UI (issue 14, item 2): an officer with a case holds a sighting's video or a
time range, within max_hold_days; placing and releasing are audited with the case and no plate text;
admins see every hold on the admin page and release any; volunteers and officers without a case
cannot place one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from webapp import audit_log_refuses, page_token, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.layout import DataLayout
from recorder import holds


@pytest.fixture
def sighting(web, data_dir):
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    return seed_sighting(DataLayout(data_dir), "road-north", "BE7123AA", an_hour_ago)


def entries(data_dir, action):
    conn = open_web_db(DataLayout(data_dir))
    try:
        return audit.entries(conn, action=action)
    finally:
        conn.close()


def stored(data_dir):
    conn = holds.open_holds(DataLayout(data_dir))
    try:
        return holds.all_holds(conn)
    finally:
        conn.close()


def test_police_hold_a_sighting_and_a_time_range_for_their_case(web, data_dir, sighting):
    police = web.client("police")
    token = page_token(police, "/holds")
    placed = police.post("/holds", data={"csrf_token": token, "sighting_id": sighting, "days": 30})
    assert placed.status_code == 302
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    ranged = police.post("/holds", data={"csrf_token": token, "camera": "village-square", "days": 90,
                                         "start": yesterday.isoformat(),
                                         "end": (yesterday + timedelta(minutes=20)).isoformat()})
    assert ranged.status_code == 302
    ranged_hold, sighting_hold = stored(data_dir)
    assert (sighting_hold.camera, sighting_hold.sighting_id, sighting_hold.case_number) == (
        "road-north", sighting, "12026100000000123")
    assert sighting_hold.end - sighting_hold.start == pytest.approx(2.5 + 120)
    assert round((sighting_hold.until - sighting_hold.placed_at) / 86400) == 30
    assert (ranged_hold.camera, ranged_hold.end - ranged_hold.start) == ("village-square", 1200)
    found = entries(data_dir, AuditAction.HOLD_PLACED)
    assert len(found) == 2 and all(e.case_number == "12026100000000123" for e in found)
    assert all("BE7123AA" not in str(e.detail) for e in found)
    page = police.get("/holds").get_data(as_text=True)
    assert "12026100000000123" in page and page.count("Зняти") == 2


def test_a_hold_longer_than_max_hold_days_or_a_bad_range_is_refused(web, data_dir, sighting):
    police = web.client("police")
    token = page_token(police, "/holds")
    backwards = {"start": "2026-11-30T10:00Z", "end": "2026-11-29T10:00Z"}
    a_month = {"start": "2026-11-01T10:00Z", "end": "2026-11-30T10:00Z"}
    an_hour = {"start": "2026-11-30T10:00Z", "end": "2026-11-30T11:00Z"}
    for form in ({"sighting_id": sighting, "days": 91}, {"sighting_id": sighting, "days": 0},
                 {"camera": "road-north", "days": 5, **backwards},
                 {"camera": "road-north", "days": 5, **a_month}):
        assert police.post("/holds", data={"csrf_token": token, **form}).status_code == 400, form
    nowhere = {"csrf_token": token, "camera": "nowhere", "days": 5, **an_hour}
    assert police.post("/holds", data=nowhere).status_code == 404
    assert stored(data_dir) == [] and entries(data_dir, AuditAction.HOLD_PLACED) == []


def test_no_hold_without_a_case_nor_for_volunteers(web, data_dir, sighting):
    bare = web.client("police", case=None)
    token = page_token(bare, "/case")
    refused = bare.post("/holds", data={"csrf_token": token, "sighting_id": sighting, "days": 5})
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/case")
    volunteer = web.client("volunteer")
    token = page_token(volunteer, "/live")
    form = {"csrf_token": token, "sighting_id": sighting, "days": 5}
    assert volunteer.post("/holds", data=form).status_code == 403
    assert stored(data_dir) == []


def test_admins_see_every_hold_and_release_any_and_police_release_their_own(web, data_dir, sighting):
    police = web.client("police")
    token = page_token(police, "/holds")
    for _ in range(2):
        police.post("/holds", data={"csrf_token": token, "sighting_id": sighting, "days": 30})
    admin = web.client("admin", case=None)
    page = admin.get("/admin").get_data(as_text=True)
    assert 'id="holds"' in page and page.count("12026100000000123") == 2
    admin_token = page_token(admin, "/admin")
    second, first = stored(data_dir)
    assert admin.post(f"/admin/holds/{first.id}/release", data={"csrf_token": admin_token}).status_code == 302
    assert police.post(f"/holds/{second.id}/release", data={"csrf_token": token}).status_code == 302
    assert all(h.released_at is not None for h in stored(data_dir))
    released = entries(data_dir, AuditAction.HOLD_RELEASED)
    assert {e.actor for e in released} == {"admin", "police"}
    assert all(e.detail["case"] == "12026100000000123" for e in released)
    assert police.post(f"/admin/holds/{first.id}/release", data={"csrf_token": token}).status_code == 403


def test_held_video_and_sightings_stay_viewable_past_retention_until_the_end(web, data_dir, segment_file):
    from webapp import seed_recordings

    from edge.clock import ManualClock, utc_iso

    now = datetime.now(UTC).replace(microsecond=0)
    layout = DataLayout(data_dir)
    segments = seed_recordings(layout, "road-north", now - timedelta(minutes=10), 10, 10,
                               template=segment_file(10))
    held_segment, free_segment = segments[0], segments[-1]  # the sighting's hold covers up to ~8:55 ago
    sighting = seed_sighting(layout, "road-north", "BE7123AA", now - timedelta(minutes=10, seconds=-2))
    clock = ManualClock(now)
    app = web.app(clock=clock)
    police = web.client("police", app=app)
    token = page_token(police, "/holds")
    police.post("/holds", data={"csrf_token": token, "camera": "road-north", "days": 30,
                                "start": (now - timedelta(minutes=10)).isoformat(),
                                "end": (now - timedelta(minutes=9, seconds=55)).isoformat()})
    police.post("/holds", data={"csrf_token": token, "sighting_id": sighting, "days": 20})
    clock.advance(timedelta(days=15).total_seconds())  # past the 14 days, nothing deleted by the daemon yet
    police = web.client("police", app=app)  # the old session expired
    assert police.get(f"/sightings/{sighting}").status_code == 200
    assert police.get(f"/video/segments/{held_segment}.mp4").status_code == 200
    assert police.get(f"/video/segments/{free_segment}.mp4").status_code == 404
    timeline = f"/recordings?camera=road-north&at={utc_iso(now - timedelta(minutes=9))}"
    assert f'href="/sightings/{sighting}"' in police.get(timeline).get_data(as_text=True)  # marked there too
    clock.advance(timedelta(days=16).total_seconds())  # both holds ended
    police = web.client("police", app=app)
    assert police.get(f"/sightings/{sighting}").status_code == 404
    assert police.get(f"/video/segments/{held_segment}.mp4").status_code == 404
    assert f'href="/sightings/{sighting}"' not in police.get(timeline).get_data(as_text=True)


def test_holds_placed_one_after_another_keep_video_no_longer_than_max_hold_days_past_retention(
        web, data_dir, segment_file):
    """A second hold on the same video, placed as the first runs out, would keep it another 90 days,
    and so on for ever: `max_hold_days` is how long video may be kept past retention, whatever the
    number of holds. What is left of it may still be held; past it, the officer is told to export."""
    from webapp import seed_recordings

    from edge.clock import ManualClock

    now = datetime.now(UTC).replace(microsecond=0)
    recorded = now - timedelta(minutes=10)
    seed_recordings(DataLayout(data_dir), "road-north", recorded, 2, 10, template=segment_file(10))
    clock = ManualClock(now)
    app = web.app(clock=clock)
    held = {"camera": "road-north", "start": recorded.isoformat(),
            "end": (recorded + timedelta(seconds=20)).isoformat()}

    def place(days):
        police = web.client("police", app=app)
        return police.post("/holds", data={"csrf_token": page_token(police, "/holds"), "days": days, **held})

    assert place(90).status_code == 302
    clock.advance(timedelta(days=89).total_seconds())  # the first hold ends tomorrow
    refused = place(90)  # 14 + 90 - 89 days are left, less the 10 minutes the video is older than now
    assert refused.status_code == 400 and "щонайбільше ще 14 днів" in refused.get_data(as_text=True)
    assert place(14).status_code == 302
    clock.advance(timedelta(days=15).total_seconds())
    assert place(1).status_code == 400
    limit = (recorded + timedelta(seconds=20) + timedelta(days=14 + 90)).timestamp()
    assert all(h.until <= limit + 1 for h in stored(data_dir))
    assert len(entries(data_dir, AuditAction.HOLD_PLACED)) == 2


def test_video_already_past_retention_cannot_be_brought_back_by_a_new_hold(web, data_dir, segment_file):
    """Video past the retention horizon is gone for the UI even while the daemon has not deleted it yet
    (it was down, or a clock step holds deletion back): a hold on a time range must not make it
    viewable and exportable again. A range a hold in force already keeps may be held on."""
    from webapp import seed_recordings

    from edge.clock import ManualClock

    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=20)
    segments = seed_recordings(DataLayout(data_dir), "road-north", old, 2, 10, template=segment_file(10))
    clock = ManualClock(now)
    police = web.client("police", clock=clock)
    token = page_token(police, "/holds")
    gone = {"camera": "road-north", "start": old.isoformat(),
            "end": (old + timedelta(seconds=20)).isoformat()}
    refused = police.post("/holds", data={"csrf_token": token, "days": 30, **gone})
    assert refused.status_code == 400 and stored(data_dir) == []
    assert police.get(f"/video/segments/{segments[0]}.mp4").status_code == 404
    across = {"camera": "road-north", "start": old.isoformat(), "end": now.isoformat()}  # more than a day
    assert police.post("/holds", data={"csrf_token": token, "days": 30, **across}).status_code == 400
    horizon = now - timedelta(days=14)
    straddling = {"camera": "road-north", "start": (horizon - timedelta(hours=2)).isoformat(),
                  "end": (horizon + timedelta(hours=2)).isoformat()}
    assert police.post("/holds", data={"csrf_token": token, "days": 30, **straddling}).status_code == 400


def test_no_hold_is_placed_or_released_without_its_audit_entry(web, data_dir, sighting):
    """When web.db cannot take the entry (locked, full disk), the hold is not placed, or not released:
    the request fails and nothing changed that the audit log does not tell."""
    police = web.client("police")
    token = page_token(police, "/holds")
    police.application.testing = False  # the browser's view: an error page, not an exception
    with audit_log_refuses():
        failed = police.post("/holds", data={"csrf_token": token, "sighting_id": sighting, "days": 30})
    assert failed.status_code == 500 and stored(data_dir) == []
    placed = police.post("/holds", data={"csrf_token": token, "sighting_id": sighting, "days": 30})
    assert placed.status_code == 302
    (hold,) = stored(data_dir)
    with audit_log_refuses():
        failed = police.post(f"/holds/{hold.id}/release", data={"csrf_token": token})
    assert failed.status_code == 500 and stored(data_dir)[0].released_at is None
