"""One 24-hour date format everywhere, the date fields included (issue 15, item 10), in a browser whose
own locale would write dates month first with AM/PM (en-US): every page shows "2026-12-01 14:30:05",
and the search, export and recordings fields take and show that format."""

from __future__ import annotations

import re

import pytest
from browser_support import admin_pages, search_as, sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow
ONE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")
OTHER_FORMATS = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}:\d{2}(:\d{2})?\s?[AaPp]\.?[Mm]\b|\bmm/dd")


@pytest.fixture
def us_browser(chromium):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _date_fields(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('main input')].filter(i => /date|time/.test(i.type)
                 || i.classList.contains('datetime')).map(i => ({id: i.id, type: i.type, value: i.value,
                 placeholder: i.placeholder}))"""
    )


def test_every_page_and_every_date_field_uses_one_24_hour_format(us_browser, site):
    page = us_browser
    search_as(page, site, "admin")
    pages = {"search": page.inner_text("main")}
    for path in admin_pages(site):
        page.goto(site.url + path)
        page.wait_for_timeout(400)
        pages[path] = page.inner_text("main")
        for field in _date_fields(page):
            assert field["type"] == "text", (path, field)  # not the browser's locale-bound picker
            assert field["placeholder"] == "РРРР-ММ-ДД гг:хх", (path, field)
            assert not field["value"] or ONE_FORMAT.match(field["value"]), (path, field)
    for where, text in pages.items():
        assert not OTHER_FORMATS.search(text), (where, OTHER_FORMATS.search(text))
    shown = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "\n".join(pages.values()))
    print(f"{len(shown)} dates shown on {len(pages)} pages, all YYYY-MM-DD HH:MM:SS")
    assert len(shown) >= 20


def test_date_fields_take_the_one_format(us_browser, site):
    page = us_browser
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "ве7")
    rows = page.locator("#results tbody tr")
    rows.nth(2).wait_for()
    before = rows.count()
    page.fill("#since", site.now.astimezone().strftime("%Y-%m-%d %H:%M"))  # none after this minute
    page.locator("#since").dispatch_event("change")
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 0 "
                           "|| document.getElementById('results').hidden")
    page.fill("#since", "2026-11-30 0815")
    assert page.locator("#since").evaluate("f => f.validity.patternMismatch")  # said at once, not ignored
    page.fill("#since", "2000-01-01 08:15")
    page.locator("#since").dispatch_event("change")
    page.wait_for_function(f"() => document.querySelectorAll('#results tbody tr').length === {before}")

    page.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
    page.click("main a[href*='/export?']")
    page.wait_for_url("**/export?*")
    start = page.locator("#start-local").input_value()
    assert ONE_FORMAT.match(start), start
    page.goto(site.url + "/recordings?camera=road-north")
    assert ONE_FORMAT.match(page.locator("#at-local").input_value())
