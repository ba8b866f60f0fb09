"""A volunteer in a real browser: the live grid refreshes, shows an offline camera, and opens one camera
live at full frame rate; plate pages stay closed, and no plate text reaches the browser at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from browser_support import CAMERAS, OFFLINE_CAMERA, sign_in
from webapp import PASSWORDS, read_plate

pytestmark = pytest.mark.slow


def test_volunteer_sees_the_live_grid_refreshing_every_second(page, site):
    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    tiles = page.locator(".tile[data-camera]")
    tiles.first.wait_for()
    assert tiles.count() == len(CAMERAS)  # 5 cameras -> 3x3 layout, 5 used
    assert page.locator("#layout").input_value() == "3x3"
    page.wait_for_function(
        "() => document.querySelector('.tile[data-camera=road-north]').dataset.frames >= 1"
    )
    start = int(page.locator(".tile[data-camera=road-north]").get_attribute("data-frames"))
    page.wait_for_timeout(4000)
    end = int(page.locator(".tile[data-camera=road-north]").get_attribute("data-frames"))
    assert end - start >= 3, (start, end)  # ≥ 1 picture per second (4 s, honest margin)
    badge = page.locator(f".tile[data-camera={OFFLINE_CAMERA}] .offline")
    badge.wait_for()
    assert badge.inner_text().startswith("Не працює з ")
    assert "немає відповіді" in badge.inner_text()  # the reason, in the user's language


def test_volunteer_changes_the_layout_and_it_is_remembered(page, site):
    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    page.select_option("#layout", "2x2")
    assert page.locator(".tile").count() == 4
    page.reload()
    assert page.locator("#layout").input_value() == "2x2"
    assert page.locator(".tile").count() == 4
    page.select_option("#layout", "5x5")
    assert page.locator(".tile").count() == 25
    page.click("#fullscreen")
    page.wait_for_function("() => document.fullscreenElement === document.getElementById('grid')")


def test_click_on_a_tile_plays_the_camera_live(page, site):
    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    page.locator(".tile[data-camera=road-north]").click()
    page.wait_for_url("**/live/road-north")
    page.wait_for_function("() => document.getElementById('live').currentTime > 0.5", timeout=20000)
    first = page.evaluate("document.getElementById('live').currentTime")
    page.wait_for_timeout(2000)
    later = page.evaluate("document.getElementById('live').currentTime")
    assert later > first + 1.0, (first, later)
    quality = page.evaluate("document.getElementById('live').getVideoPlaybackQuality().totalVideoFrames")
    assert quality > 25, quality  # full frame rate: 25 fps camera


def test_volunteer_cannot_open_plate_pages(page, site):
    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    assert page.locator("nav.mainnav").inner_text().count("Пошук") == 0
    response = page.goto(site.url + "/search")
    assert response.status == 403
    assert "недоступна" in page.content()


VOLUNTEER_PAGES = ["/live", "/live/road-north", "/live/road-north/replay", "/cameras"]
TEXT_TYPES = ("text/", "json", "javascript")


@pytest.mark.timeout(150)
def test_no_plate_text_reaches_a_volunteers_browser(page, site):
    """Volunteers never see plate text: not on a page they reach (grid, full frame, replay, cameras),
    nor in any script or answer those pages fetch, while a watchlist alert is raised for a car passing a
    camera of their grid. Everything the browser received as text is searched for every stored plate."""
    from plate_index.watchlist import add_entry, open_watchlist

    received = []
    page.on("requestfinished", lambda request: received.append(request))  # not the endless streams
    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    now = datetime.now(UTC)
    conn = open_watchlist(site.layout)
    try:
        add_entry(conn, "BE77*", "wanted", "police", now, now + timedelta(days=1))
    finally:
        conn.close()
    read_plate(site.layout, "village-square", "BE7777XA")
    texts: list[tuple[str, str]] = []
    received.clear()  # the sign-in's pages, already left
    for path in VOLUNTEER_PAGES:
        page.goto(site.url + path)
        page.wait_for_timeout(3000)  # the grid's, the status's and any alert's polls
        texts.append((path, page.content()))
        while received:  # bodies are gone once the page is left
            response = received.pop().response()
            kind = response.headers.get("content-type", "") if response else ""
            if response and any(t in kind for t in TEXT_TYPES) and not 300 <= response.status < 400:
                texts.append((response.url, _body(response)))
    plates = {name.split("@")[0] for name in site.sightings} | {"BE7777XA"}
    assert len(texts) >= 2 * len(VOLUNTEER_PAGES)
    assert any("/api/live/status" in where for where, _ in texts)  # the polls were read too
    leaks = [(where, plate) for where, text in texts for plate in plates if plate in text]
    assert leaks == []


def _body(response) -> str:
    """The text of a response; "" for one the browser already dropped (a poll that ended as the page
    was left: its page was searched before)."""
    from playwright.sync_api import Error

    try:
        return response.text()
    except Error as exc:
        if "navigated away" in str(exc) or "No resource" in str(exc):
            return ""
        raise
