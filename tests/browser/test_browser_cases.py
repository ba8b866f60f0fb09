"""Issue 14, item 1, in a real browser: a police officer cannot reach search results, sightings, plate
pictures or video before choosing a case (require_case is on by default), and every audit entry of the
session after that choice carries the case, the change of case included."""

from __future__ import annotations

import re

import pytest
from browser_support import choose_case_in, sign_in, start_site
from webapp import PASSWORDS

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from recorder.catalog import list_segments, open_catalog

pytestmark = pytest.mark.slow
CASE_PAGE = re.compile(r"/case\?next=")
CASE = {"number": "12026100000000123", "reason": "theft", "note": "сірий Ланос, вул. Київська"}
OTHER = {"number": "ЄО 4512", "reason": "road_accident", "note": ""}


@pytest.fixture(scope="module")
def site(tmp_path_factory, segment_template):
    running = start_site(tmp_path_factory.mktemp("cases-site"), segment_template, live_camera=None)
    yield running
    running.close()


def police_entries(site):
    conn = open_web_db(site.layout)
    try:
        return list(reversed(audit.entries(conn, actor="police", limit=1000)))
    finally:
        conn.close()


def test_no_plate_data_before_a_case_and_every_entry_after_carries_it(page, site):
    sighting = site.sightings["BE7123AA"]
    conn = open_catalog(site.layout, readonly=True)
    segment = list_segments(conn, "road-north")[0].id
    conn.close()
    sign_in(page, site, "police", PASSWORDS["police"], case=None)
    page.wait_for_url(CASE_PAGE)
    assert page.locator("h1").inner_text() == "Справа, над якою ви працюєте"
    for path in ("/search", f"/sightings/{sighting}", f"/sightings/{sighting}/crop.jpg",
                 f"/video/segments/{segment}.mp4", "/recordings?camera=road-north", "/export"):
        page.goto(site.url + path)
        assert page.url.startswith(site.url + "/case?next="), (path, page.url)
    api = page.request.get(site.url + "/api/search?q=BE7")
    assert api.status == 403 and "BE7123AA" not in api.text()
    video = page.request.get(site.url + f"/video/segments/{segment}.mp4", max_redirects=0)
    assert video.status == 302 and video.headers["location"].startswith("/case")
    assert [e.action for e in police_entries(site)] == [AuditAction.LOGIN_OK], "nothing of plate data"

    page.fill("#number", "12345")  # not an ЄРДР or ЄО number
    page.click("#case-form button[type=submit]")
    assert "Номер справи має інший вигляд" in page.locator("[role=alert]").inner_text()
    choose_case_in(page, CASE)
    page.wait_for_url("**/export")  # back to the page the officer last asked for
    page.goto(site.url + "/search")
    assert CASE["number"] in page.locator("#case-link").inner_text()
    page.fill("#q", "ве7")
    page.locator("#results tbody tr").first.wait_for()
    page.locator("#results a.plate").nth(1).click()  # the road-north sighting, where video is recorded
    page.wait_for_url("**/sightings/*")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")

    page.click("#case-link")
    page.wait_for_url(CASE_PAGE)
    choose_case_in(page, OTHER)
    page.wait_for_url("**/sightings/*")  # back where the officer was
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")

    session = police_entries(site)[1:]  # after the sign-in
    actions = [e.action for e in session]
    assert actions[0] == AuditAction.CASE_CHOSEN and AuditAction.CASE_CHANGED in actions
    change = actions.index(AuditAction.CASE_CHANGED)
    for wanted in (AuditAction.SEARCH, AuditAction.SIGHTING_VIEW, AuditAction.VIDEO_VIEW):
        assert wanted in actions[:change], (wanted, actions)
    assert {AuditAction.SIGHTING_VIEW, AuditAction.VIDEO_VIEW} <= set(actions[change:]), actions
    assert {(e.case_number, e.case_reason) for e in session[:change]} == {(CASE["number"], CASE["reason"])}
    assert {(e.case_number, e.case_reason) for e in session[change:]} == {(OTHER["number"], OTHER["reason"])}
    assert session[0].detail == {"note": CASE["note"]}
    assert session[change].detail["previous"]["number"] == CASE["number"]
