"""The UI on a phone (issue 15, item 10): at 390 × 844 px no page scrolls sideways, the menu is one
button in a header about one line high, and tables (search results among them) turn into cards whose
every value is labelled with its column."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
HEADER_MAX_PX = 70  # one line; the header took 259-338 px before

PAGES = {
    "police": ["/search", "/recordings?camera=road-north", "/export", "/live/road-north", "/cameras"],
    "admin": ["/admin", "/admin/users", "/admin/audit", "/cameras", "/admin/aim", "/admin/site-report"],
    "volunteer": ["/live", "/cameras"],
}


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
        _no_sideways_scroll(phone, f"{role} {path}")
    phone.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
    if role != "volunteer":
        _no_sideways_scroll(phone, f"{role} sighting")


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
