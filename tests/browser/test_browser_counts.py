"""The admin page counts one set of sightings (issue 15, item 10): each camera's sightings in the
cameras table are the ones the camera-effectiveness table counts (53 and 75 were shown for one camera)."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow


def test_the_cameras_table_and_the_effectiveness_table_count_the_same_sightings(page, site):
    sign_in(page, site, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/search")
    page.goto(site.url + "/admin")
    effect = page.locator("table.effect tbody tr[data-camera]")
    assert effect.count() >= 3
    compared = {}
    for n in range(effect.count()):
        row = effect.nth(n)
        camera = row.get_attribute("data-camera")
        total = int(row.locator("td.total").inner_text())
        listed = page.locator(f"table.cameras tr[data-camera={camera}] td.lpr .sightings")
        compared[camera] = (total, int(listed.get_attribute("data-count")))
        assert "за 7 днів" in listed.inner_text()
    print(f"sightings per camera (effectiveness, cameras table): {compared}")
    assert all(total == listed for total, listed in compared.values()), compared
    assert compared["road-north"][0] >= 2
