"""Every read of plate data through the web UI is an audit entry (issue 12, acceptance 1): plate and scene
pictures, recorded video whatever byte range is asked for (one entry per segment per session within a
few minutes, not one per range), live video and live pictures (who, which camera, when it started and
how long it lasted), and the audit log itself. Volunteers still get 403 on everything but live video."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from webapp import (
    make_config,
    seed_recordings,
    seed_sighting,
    signed_in,
    write_live_picture,
)

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.clock import ManualClock, utc_iso
from edge.layout import DataLayout
from webui import create_app


@pytest.fixture
def now():
    """This test's moment: the live stream follows only segments of the last 10 minutes."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def site(web, data_dir, segment_file, now):
    layout = DataLayout(data_dir)
    segments = seed_recordings(layout, "road-north", now - timedelta(minutes=2), 2, 10,
                               template=segment_file(10))
    sighting = seed_sighting(layout, "road-north", "BE7123AA", now - timedelta(minutes=1, seconds=55))
    other = seed_sighting(layout, "village-square", "BE7555KK", now - timedelta(minutes=1))
    write_live_picture(layout, "road-north", "live")
    return layout, segments, sighting, other


def app_for(layout, clock=None):
    return create_app(make_config(layout.root), clock=clock)


def entries(layout, action=None):
    conn = open_web_db(layout)
    try:
        return list(reversed(audit.entries(conn, action=action or "", limit=1000)))
    finally:
        conn.close()


def count(layout):
    return len(entries(layout))


def read_video(client, segment, byte_range):
    """Fetch a byte range of a segment like the player, reading and closing the response (an open one
    holds one of the user's stream slots)."""
    response = client.get(f"/video/segments/{segment}.mp4", headers={"Range": byte_range})
    response.get_data()
    response.close()
    return response


def read_live_stream(client, camera="road-north"):
    """Open the live stream like the browser, take its first bytes, and leave."""
    response = client.get(f"/live/{camera}/stream", buffered=False)
    assert response.status_code == 200, response.status_code
    first = next(iter(response.response))
    response.close()
    return first


def test_pictures_video_ranges_and_live_video_each_leave_one_entry(site):
    """Acceptance 1: crop.jpg, scene.jpg, video with Range bytes=1- and bytes=-100, and a live stream."""
    layout, (seg_a, seg_b), sighting, _ = site
    app = app_for(layout)
    police = signed_in(app, "police")
    before = count(layout)
    assert police.get(f"/sightings/{sighting}/crop.jpg").status_code == 200
    assert police.get(f"/sightings/{sighting}/scene.jpg").status_code == 200
    first = read_video(police, seg_a, "bytes=1-")
    assert first.status_code == 206 and first.headers["Content-Range"].startswith("bytes 1-")
    tail = read_video(police, seg_b, "bytes=-100")
    assert tail.status_code == 206 and len(tail.data) == 100
    for again in ("bytes=-100", "bytes=1-", "bytes=5000-9999"):  # the same viewing: no new entry
        assert read_video(police, seg_a, again).status_code == 206
    assert read_live_stream(police)
    new = entries(layout)[before:]
    assert [(e.action, e.actor) for e in new] == [
        (AuditAction.SIGHTING_PICTURE, "police"),
        (AuditAction.SIGHTING_PICTURE, "police"),
        (AuditAction.VIDEO_VIEW, "police"),
        (AuditAction.VIDEO_VIEW, "police"),
        (AuditAction.LIVE_VIEW, "police"),
        (AuditAction.LIVE_VIEW_END, "police"),
    ]
    assert [e.detail["kind"] for e in new[:2]] == ["crop", "scene"]
    assert new[0].detail["plate"] == "BE7123AA" and new[0].target == str(sighting)
    assert [e.detail["segment"] for e in new[2:4]] == [seg_a, seg_b]
    start, end = new[4], new[5]
    assert start.target == end.target == "road-north" and start.detail == {"kind": "stream"}
    assert end.detail["entry"] == start.id and end.detail["seconds"] >= 0
    assert end.detail["started"].startswith(start.at.strftime("%Y-%m-%dT%H:%M"))
    assert end.case_number == start.case_number == "12026100000000123", "the end entry lost the case"


def test_volunteers_get_403_on_pictures_and_video_and_their_live_viewing_is_audited(site):
    layout, (seg_a, _), sighting, _ = site
    volunteer = signed_in(app_for(layout), "volunteer")
    before = count(layout)
    for url in (f"/sightings/{sighting}/crop.jpg", f"/sightings/{sighting}/scene.jpg",
                f"/video/segments/{seg_a}.mp4"):
        assert volunteer.get(url, headers={"Range": "bytes=1-"}).status_code == 403, url
    assert count(layout) == before
    read_live_stream(volunteer)
    assert volunteer.get("/live/road-north.jpg").status_code == 200
    new = entries(layout)[before:]
    assert [(e.action, e.actor, e.target) for e in new] == [
        (AuditAction.LIVE_VIEW, "volunteer", "road-north"),
        (AuditAction.LIVE_VIEW_END, "volunteer", "road-north"),
        (AuditAction.LIVE_VIEW, "volunteer", "road-north"),
    ]
    assert new[2].detail == {"kind": "pictures"}


def test_another_session_or_five_idle_minutes_make_a_new_video_viewing(site, now):
    layout, (seg_a, _), _, _ = site
    clock = ManualClock(now)
    app = app_for(layout, clock)
    police, again = signed_in(app, "police"), signed_in(app, "police")
    for _ in range(3):
        read_video(police, seg_a, "bytes=1-")
        clock.advance(240)  # each request within 5 minutes of the previous one: the same viewing
    assert len(entries(layout, AuditAction.VIDEO_VIEW)) == 1
    read_video(again, seg_a, "bytes=1-")  # another browser
    assert len(entries(layout, AuditAction.VIDEO_VIEW)) == 2
    clock.advance(301)
    read_video(police, seg_a, "bytes=-100")
    assert len(entries(layout, AuditAction.VIDEO_VIEW)) == 3


def test_pictures_shown_by_a_sighting_page_or_a_search_are_under_its_entry(site):
    layout, _, sighting, other = site
    police = signed_in(app_for(layout), "police")
    assert police.get(f"/sightings/{sighting}").status_code == 200
    police.get(f"/sightings/{sighting}/crop.jpg")
    police.get(f"/sightings/{sighting}/scene.jpg")
    found = police.get("/api/search?q=BE7").get_json()
    assert {r["id"] for r in found["results"]} == {sighting, other}
    police.get(f"/sightings/{other}/crop.jpg")  # a result row's picture
    assert [e.action for e in entries(layout)[-2:]] == [AuditAction.SIGHTING_VIEW, AuditAction.SEARCH]
    police.get(f"/sightings/{other}/scene.jpg")  # not shown by the search: its own entry
    last = entries(layout)[-1]
    assert (last.action, last.target, last.detail["kind"]) == (
        AuditAction.SIGHTING_PICTURE, str(other), "scene"
    )


def test_enumerating_picture_ids_leaves_an_entry_per_picture(site):
    layout, _, sighting, other = site
    police = signed_in(app_for(layout), "police")
    before = count(layout)
    found = [i for i in range(1, 20) if police.get(f"/sightings/{i}/crop.jpg").status_code == 200]
    assert found == sorted([sighting, other])
    assert [e.target for e in entries(layout)[before:]] == [str(i) for i in found]


def test_live_pictures_are_one_viewing_with_its_duration(site, now):
    layout, *_ = site
    clock = ManualClock(now)
    app = app_for(layout, clock)
    volunteer = signed_in(app, "volunteer")
    before = count(layout)
    for _ in range(31):  # the grid fetches the picture every second
        assert volunteer.get("/live/road-north.jpg").status_code == 200
        clock.advance(1)
    keeper = app.extensions["dozor_audit_keeper"]
    keeper.tick()
    assert [e.action for e in entries(layout)[before:]] == [AuditAction.LIVE_VIEW]
    clock.advance(61)  # nobody fetched for a minute: the viewing is over
    keeper.tick()
    start, end = entries(layout)[before:]
    assert (end.action, end.actor, end.target) == (AuditAction.LIVE_VIEW_END, "volunteer", "road-north")
    assert end.detail == {"kind": "pictures", "started": utc_iso(now), "seconds": 30.0, "entry": start.id}


def test_reading_the_audit_log_is_audited_once_per_viewing(site):
    layout, *_ = site
    admin = signed_in(app_for(layout), "admin")
    for _ in range(3):
        assert admin.get("/admin/audit").status_code == 200
    assert len(entries(layout, AuditAction.AUDIT_VIEW)) == 1
