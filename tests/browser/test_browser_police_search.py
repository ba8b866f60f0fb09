"""A police officer in a real browser, on the real server over real recordings: results grouped by plate
that grow while cars pass (one audit entry for the query however often it refreshes), wildcard queries
typed on either keyboard, and the passes of a camera in a time window with their plate pictures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_support import sign_in
from webapp import PASSWORDS, seed_pass, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from webui.blueprints.passes import PAGE_SIZE

pytestmark = pytest.mark.slow
PASSES_ON_ROAD_NORTH = PAGE_SIZE + 5


@pytest.fixture(scope="module", autouse=True)
def passes(site):
    """Passes on road-north over its recorded 10 minutes, one every 8 s from 9 minutes ago."""
    start = site.now - timedelta(minutes=9)
    for n in range(PASSES_ON_ROAD_NORTH):
        seed_pass(site.layout, "road-north", start + timedelta(seconds=8 * n + 0.5))


def first_plate_is(page, plate: str) -> None:
    page.wait_for_function(
        "plate => document.querySelector('#results tr.group a.plate')?.textContent === plate", arg=plate
    )


def _entries(site, action):
    return audit.entries(open_web_db(site.layout), action=action)


def test_results_are_grouped_by_plate_and_new_passes_appear_without_retyping(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "BE7")
    groups = page.locator("#results tbody tr.group")
    groups.first.wait_for()
    assert groups.locator("a.plate").all_text_contents() == ["BE7123AA", "BE7555KX", "8E7009CT"]
    first = groups.first
    assert first.locator("button.passes").inner_text() == "▸ 2"
    assert sorted(first.locator(".cameras").inner_text().split(", ")) == ["Площа", "Північна дорога"]
    first.locator("button.passes").click()
    assert page.locator("#results tr.pass-row").count() == 2
    searches = len(_entries(site, AuditAction.SEARCH))

    seed_sighting(site.layout, "school", "BE7123AA", site.now + timedelta(seconds=5))  # a car passes
    page.wait_for_function(
        "() => document.querySelector('#results tr.group button.passes').textContent === '▾ 3'", timeout=12000
    )
    rows = page.locator("#results tr.pass-row")
    assert rows.count() == 3  # still open, with the new pass on top, marked
    assert rows.first.locator(".camera").inner_text() == "Школа"
    assert "fresh" in rows.first.get_attribute("class")
    assert page.input_value("#q") == "BE7"
    page.wait_for_timeout(5500)  # another refresh
    assert len(_entries(site, AuditAction.SEARCH)) == searches  # refreshes are no new entries
    page.fill("#q", "BE75")  # a new query is
    page.wait_for_function("() => document.querySelectorAll('#results tr.group').length === 1")
    assert [e.target for e in _entries(site, AuditAction.SEARCH)][0] == "BE75"


def test_wildcards_find_a_plate_by_its_middle_on_either_keyboard(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "*555кх")  # Ukrainian keyboard: К and Х are Cyrillic
    first_plate_is(page, "BE7555KX")
    assert page.locator("#results tr.group").count() == 1
    page.fill("#q", "ве?1")  # ? is one character
    first_plate_is(page, "BE7123AA")
    page.fill("#q", "*0O9")  # look-alikes: the letter O for a zero finds 8E7009CT as similar
    first_plate_is(page, "8E7009CT")
    assert page.locator("#results tr.group .match").inner_text() == "схожий"
    page.fill("#q", "*1?2?3")
    page.wait_for_function(
        "() => document.getElementById('search-status').textContent.includes('3 символи поспіль')"
    )
    assert page.locator("#results").is_hidden()
    targets = [e.target for e in _entries(site, AuditAction.SEARCH)]
    assert {"*555кх", "ве?1", "*0O9"} <= set(targets)


def test_passes_of_a_camera_in_a_window_with_plate_pictures_paged_and_audited(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.click("nav.mainnav >> text=Проїзди")
    page.wait_for_url("**/passes")
    page.select_option("#camera", "road-north")
    local = site.now.astimezone()
    page.fill("#since-local", (local - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#until-local", (local + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    page.click("#passes-form button[type=submit]")
    page.wait_for_url("**/passes?*")
    rows = page.locator("#passes tr.pass")
    assert rows.count() == PAGE_SIZE
    status = page.locator("#passes-status").inner_text()
    assert f"1–{PAGE_SIZE}" in status and str(PASSES_ON_ROAD_NORTH) in status
    pictures = page.locator("#passes img.pass-picture")
    pictures.first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('#passes img.pass-picture');"
        " return i.complete && i.naturalWidth >= 240; }"
    )
    assert rows.first.locator("td").nth(4).inner_text() == "не прочитано"
    page.click("a[rel=next]")
    page.wait_for_function(f"() => document.querySelectorAll('#passes tr.pass').length === {5}")
    entries = _entries(site, AuditAction.PASSES_VIEW)
    assert [(e.actor, e.target, e.detail["page"]) for e in entries[:2]] == [
        ("police", "road-north", 2), ("police", "road-north", 1),
    ]
    assert not [e for e in _entries(site, AuditAction.SIGHTING_PICTURE) if e.target.startswith("pass")]


def test_volunteers_have_no_passes_page(page, site):
    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    assert page.locator("nav.mainnav >> text=Проїзди").count() == 0
    assert page.goto(site.url + "/passes?camera=road-north").status == 403
