"""Passes without a plate over HTTP: a camera and a time window list every pass there, read or not, a
page at a time, each page audited; each pass's plate picture is cut from the recorded video under that
entry; read passes link to their sighting; volunteers get nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from webapp import seed_pass, seed_recordings, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.clock import ManualClock, to_epoch, utc_iso
from edge.layout import DataLayout
from plate_index.store import open_store
from webui.blueprints.passes import PAGE_SIZE

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def site(web, data_dir, segment_file):
    layout = DataLayout(data_dir)
    seed_recordings(layout, "road-north", T0, 6, 10.0, template=segment_file(10))  # 02:00:00-02:01:00
    for second in range(0, 50, 1):
        seed_pass(layout, "road-north", T0 + timedelta(seconds=second + 0.3))
    seed_pass(layout, "road-north", T0 + timedelta(seconds=55), read=True)
    seed_sighting(layout, "road-north", "BE7123AA", T0 + timedelta(seconds=55))
    seed_pass(layout, "village-square", T0 + timedelta(seconds=20))  # another camera
    seed_pass(layout, "road-north", T0 + timedelta(hours=2))  # outside the window
    clock = ManualClock(T0 + timedelta(hours=3))
    client = web.client("police", clock=clock)
    return client, layout


def _url(camera="road-north", page=1):
    return f"/passes?camera={camera}&since={utc_iso(T0)}&until={utc_iso(T0 + timedelta(hours=1))}&page={page}"


def test_a_camera_and_a_window_list_every_pass_there_a_page_at_a_time(site):
    client, _ = site
    first = client.get(_url()).get_data(as_text=True)
    assert first.count('class="pass"') == PAGE_SIZE
    assert "1–40" in first and "51" in first  # 51 passes in the window, 40 on the first page
    second = client.get(_url(page=2)).get_data(as_text=True)
    assert second.count('class="pass"') == 11
    assert 'rel="prev"' in second and 'rel="next"' not in second
    video = re.search(r'href="/recordings\?camera=road-north&amp;at=([^"]+)"', second)
    assert video and unquote(video.group(1)) == "2026-03-01T02:00:38.300Z"  # 2 s before its first view
    square = client.get(_url("village-square")).get_data(as_text=True)
    assert square.count('class="pass"') == 1


def test_every_page_is_audited_with_its_camera_window_and_page(site):
    client, layout = site
    client.get(_url())
    client.get(_url(page=2))
    entries = audit.entries(open_web_db(layout), action=AuditAction.PASSES_VIEW)
    assert [(e.actor, e.target, e.detail["page"]) for e in entries] == [
        ("police", "road-north", 2), ("police", "road-north", 1),
    ]
    assert entries[0].detail["since"] == utc_iso(T0)


def test_a_read_pass_links_to_its_sighting_with_the_plate(site):
    client, _ = site
    second = client.get(_url(page=2)).get_data(as_text=True)
    assert re.search(r'href="/sightings/\d+">BE7123AA</a>', second)
    assert second.count("BE7123AA") == 1


def test_the_plate_picture_is_cut_from_the_video_under_the_pages_entry(site):
    client, layout = site
    html = client.get(_url()).get_data(as_text=True)
    pictures = re.findall(r'src="(/passes/\d+\.jpg)"', html)
    assert len(pictures) == PAGE_SIZE
    import cv2
    import numpy as np

    first, later = (client.get(url) for url in (pictures[0], pictures[4]))
    for response in (first, later):
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(first.data, np.uint8), cv2.IMREAD_COLOR)
    # the plate (80 x 20 px) with 0.6 plate widths and 1.5 heights around it, enlarged to 240 px wide
    assert image.shape[1] == 240 and image.shape[0] == round(80 * 240 / 176)
    assert first.data != later.data  # 4 s later in the video (the test picture moves)
    pictures_viewed = audit.entries(open_web_db(layout), action=AuditAction.SIGHTING_PICTURE)
    assert pictures_viewed == []  # covered by the page's entry


def test_a_pass_without_video_has_no_picture_and_a_direct_fetch_is_audited(site):
    client, layout = site
    conn = open_store(layout.plates_db)
    late = conn.execute("SELECT id FROM passes WHERE first_seen > ?", (to_epoch(T0) + 3600,)).fetchone()[0]
    some = conn.execute("SELECT min(id) FROM passes").fetchone()[0]
    conn.close()
    assert client.get(f"/passes/{late}.jpg").status_code == 404  # no recording at 04:00
    assert client.get(f"/passes/{some}.jpg").status_code == 200
    entries = audit.entries(open_web_db(layout), action=AuditAction.SIGHTING_PICTURE)
    assert [e.target for e in entries] == [f"pass {some}", f"pass {late}"]


def test_a_bad_window_is_explained_and_an_unknown_camera_is_not_found(site):
    client, _ = site
    reversed_window = client.get(f"/passes?camera=road-north&since={utc_iso(T0)}&until={utc_iso(T0)}")
    assert reversed_window.status_code == 200 and 'role="alert"' in reversed_window.get_data(as_text=True)
    assert client.get("/passes?camera=nowhere").status_code == 404


def test_volunteers_see_no_passes_and_no_pictures(web, site):
    volunteer = web.client("volunteer")
    assert volunteer.get(_url()).status_code == 403
    assert volunteer.get("/passes/1.jpg").status_code == 403


def test_passes_a_case_hold_keeps_are_listed_with_pictures_past_retention(web, site):
    """A hold on a camera's time range keeps its passes (plate_index.store.prune) and the page shows
    them past the retention horizon, pictures too; the camera's other passes are gone."""
    from plate_index.store import prune
    from recorder import holds

    _, layout = site
    conn = holds.open_holds(layout)
    holds.place(conn, holds.Hold(0, "road-north", to_epoch(T0 + timedelta(seconds=10)),
                                 to_epoch(T0 + timedelta(seconds=20)), None, "ЄО 4512", "theft", "police",
                                 to_epoch(T0 + timedelta(hours=1)), to_epoch(T0 + timedelta(days=30))))
    conn.close()
    later = ManualClock(T0 + timedelta(days=15))  # retention is 14 days
    now = to_epoch(later.now())
    store = open_store(layout.plates_db)
    prune(store, layout, now - 14 * 86400, keep=holds.active(layout, now))
    store.close()
    client = web.client("police", clock=later)
    page = client.get(_url()).get_data(as_text=True)
    assert page.count('class="pass"') == 10  # first seen 02:00:10.3 to 02:00:19.3: inside the hold
    pictures = re.findall(r'src="(/passes/\d+\.jpg)"', page)
    assert len(pictures) == 10 and client.get(pictures[0]).status_code == 200
    assert client.get(_url("village-square")).get_data(as_text=True).count('class="pass"') == 0
