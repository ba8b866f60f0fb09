"""The UI on a phone (issue 15, item 10): at 390 × 844 px no page scrolls sideways, the menu is one
button in a header about one line high, and tables (search results among them) turn into cards whose
every value is labelled with its column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from browser_support import sign_in
from webapp import PASSWORDS, read_plate, seed_pass, seed_sighting

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
SHOWS = {  # what a page must show for its width to count (working_day seeds it)
    "/passes?camera=road-north": "#passes tr.pass",
    "/holds": "#holds tbody tr",
    "/watchlist": "#watch-entries tbody tr",
    "/alerts": "#alerts-table tbody tr",
}
HEADER_MAX_PX = 70  # one line; the header took 259-338 px before

PAGES = {  # every page of the menu and the admin page's buttons, and the pages they lead to
    "police": [
        "/search", "/passes?camera=road-north", "/recordings?camera=road-north", "/export", "/holds",
        "/watchlist", "/alerts", "/case", "/live", "/live/road-north", "/live/road-north/replay", "/cameras",
    ],
    "admin": [
        "/admin", "/admin/users", "/admin/audit", "/cameras", "/admin/aim", "/admin/site-report",
        "/admin/oversight", "/admin/transparency", "/admin/subject-lookup", "/watchlist", "/alerts",
    ],
    "volunteer": ["/live", "/live/road-north", "/live/road-north/replay", "/cameras"],
}


@pytest.fixture(scope="module", autouse=True)
def working_day(site):
    """What the pages show on a working day, not empty tables: passes (some read), a watchlist entry with
    a long note and the alert it raised (acknowledged, so it waits on the alerts page and no pop-up
    covers the menu), a case hold, and a sighting of the plate that the admin's subject lookup finds."""
    from plate_index import watch_alerts
    from plate_index.watchlist import add_entry, open_watchlist
    from recorder import holds

    for n in range(12):
        seed_pass(site.layout, "road-north", site.now - timedelta(minutes=9, seconds=-8 * n), read=n % 2 == 0)
    now = datetime.now(UTC)
    conn = open_watchlist(site.layout)
    try:
        add_entry(conn, "ве79*", "викрадений сірий Ланос, водій може бути озброєний, повідомити чергового "
                  "районного відділу поліції негайно", "police", now, now + timedelta(days=7))
        read_plate(site.layout, "village-square", "BE7901XA")
        for alert in watch_alerts.list_alerts(conn):
            watch_alerts.acknowledge(conn, alert.id, "police", now)
    finally:
        conn.close()
    held = holds.open_holds(site.layout)
    try:
        start = (site.now - timedelta(minutes=9)).timestamp()
        holds.place(held, holds.Hold(0, "road-north", start, start + 300, site.sightings["BE7123AA"],
                                     "12026100000000123", "theft", "police", now.timestamp(),
                                     (now + timedelta(days=30)).timestamp()))
    finally:
        held.close()
    seed_sighting(site.layout, "school", "AI5577HB", site.now - timedelta(hours=3), pictures=False)


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, locale="uk-UA", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _sideways(page) -> dict:
    return page.evaluate(
        """() => ({width: document.documentElement.scrollWidth,
                   header: (document.querySelector('header') || document.body.firstElementChild)
                           .getBoundingClientRect().height,
                   wide: [...document.querySelectorAll('body *')]
                         .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                         .slice(0, 3).map(e => e.tagName + '.' + e.className)})"""
    )


def _no_sideways_scroll(page, where: str) -> None:
    measured = _sideways(page)
    print(f"{where}: page {measured['width']} px wide, header {measured['header']:.0f} px")
    assert measured["width"] <= PHONE["width"], (where, measured)
    assert measured["header"] <= HEADER_MAX_PX, (where, measured)


@pytest.mark.parametrize("role", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(phone, site, role):
    phone.goto(site.url + "/login")
    _no_sideways_scroll(phone, "/login")
    sign_in(phone, site, role, PASSWORDS[role])
    phone.wait_for_load_state()
    for path in PAGES[role]:
        phone.goto(site.url + path)
        phone.wait_for_timeout(300)
        if path in SHOWS and role == "police":
            assert phone.locator(SHOWS[path]).count() >= 1, path
        _no_sideways_scroll(phone, f"{role} {path}")
    phone.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
    if role != "volunteer":
        _no_sideways_scroll(phone, f"{role} sighting")
    if role == "admin":
        phone.goto(site.url + "/admin/subject-lookup")
        phone.fill("#plate", "AI5577HB")
        phone.fill("#request", "лист № 45 від 01.12.2026")
        phone.click("#subject-form button[type=submit]")
        phone.locator("#sightings tbody tr").first.wait_for()
        _no_sideways_scroll(phone, "admin subject lookup answer")


def test_the_compact_menu_opens_and_leads_everywhere(phone, site):
    sign_in(phone, site, "police", PASSWORDS["police"])
    phone.wait_for_url("**/search")
    nav = phone.locator("nav.mainnav")
    assert nav.is_hidden()
    phone.click(".menu-toggle")
    assert nav.is_visible()
    assert phone.locator(".menu-toggle").get_attribute("aria-expanded") == "true"
    assert phone.locator(".langswitch").is_visible() and phone.locator("text=Вийти").is_visible()
    nav.locator("text=Записи").click()
    phone.wait_for_url("**/recordings*")
    assert phone.locator("nav.mainnav").is_hidden()  # closed again on the next page


def test_search_results_are_labelled_cards_on_a_phone(phone, site):
    sign_in(phone, site, "police", PASSWORDS["police"])
    phone.wait_for_url("**/search")
    phone.fill("#q", "ве7")
    rows = phone.locator("#results tbody tr")
    rows.nth(2).wait_for()
    first = rows.first
    assert first.evaluate("r => getComputedStyle(r).display") == "block"
    assert phone.locator("#results thead").is_hidden()
    labels = first.locator("td[data-label]")
    assert labels.count() >= 3
    assert all(labels.nth(n).get_attribute("data-label") for n in range(labels.count()))
    box = first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    _no_sideways_scroll(phone, "search results")
