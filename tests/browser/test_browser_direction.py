"""A police officer in a real browser, on the real server over real recordings, sees which way each car
went (the camera's own label, "на Одесу", or the generic words) in the results, on the sighting page
and on its route, and filters the results by direction; the audit entry of the filtered search records
the filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_support import sign_in
from webapp import PASSWORDS, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db

pytestmark = pytest.mark.slow
PLATE = "BO4411CE"


@pytest.fixture(scope="module", autouse=True)
def passes(site):
    """One car three times over road-north's recorded 10 minutes and once past the school."""
    ids = {}
    for minutes, camera, direction in (
        (9, "road-north", "towards"), (7, "road-north", "away"), (5, "school", "right_to_left"),
        (3, "road-north", "towards"),
    ):
        ids[(camera, minutes)] = seed_sighting(
            site.layout, camera, PLATE, site.now - timedelta(minutes=minutes), direction=direction
        )
    return ids


def test_results_show_the_direction_and_filter_by_it(page, site, passes):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "во4")  # Ukrainian keyboard
    group = page.locator("#results tr.group").first
    group.wait_for()
    assert group.locator(".directions").inner_text() == "на Одесу, справа наліво, у село"
    group.locator("button.passes").click()
    rows = page.locator("#results tr.pass-row")
    newest_first = ["на Одесу", "справа наліво", "у село", "на Одесу"]
    assert rows.locator(".direction").all_text_contents() == newest_first

    page.select_option("#direction", "towards")  # "до камери (на Одесу)"
    page.wait_for_function("() => document.querySelector('#results tr.group button.passes')"
                           "?.textContent.trim().endsWith('2')")
    assert rows.locator(".direction").all_text_contents() == ["на Одесу", "на Одесу"]
    assert rows.locator(".camera").all_text_contents() == ["Північна дорога", "Північна дорога"]
    entry = audit.entries(open_web_db(site.layout), action=AuditAction.SEARCH)[0]
    assert (entry.target, entry.detail["direction"]) == ("во4", "towards")

    page.select_option("#direction", "left_to_right")
    page.wait_for_function("() => document.querySelectorAll('#results tr.group').length === 0")
    assert page.locator("#search-status").inner_text() == "Проїздів не знайдено."


def test_the_sighting_page_and_its_route_show_the_direction(page, site, passes):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.goto(f"{site.url}/sightings/{passes[('road-north', 7)]}")
    assert page.locator("#direction").inner_text() == "у село"
    route = page.locator("table td.direction").all_text_contents()
    assert route == ["на Одесу", "у село", "справа наліво", "на Одесу"]  # oldest first
