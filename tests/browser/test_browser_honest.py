"""Honest state when plate reading is off (issue 15, item 10): the police search page and the admin
page say so, why, and how to fix it, instead of a search that quietly finds nothing; volunteers, who
never see plates, are not told."""

from __future__ import annotations

import time

import pytest
from browser_support import CAMERAS, sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow
REASON = "plate model folder /opt/dozor/models does not exist; set lpr.model_dir (see docs)"


def _plate_reading(site, state: str, error: str) -> None:
    """What the daemon's LprService writes when it cannot load the models (plate_index.service)."""
    from plate_index.status import CameraCounters, write_status
    from plate_index.store import open_store

    conn = open_store(site.layout.plates_db)
    try:
        counters = [CameraCounters(c["name"], worker=0, state=state, last_error=error) for c in CAMERAS]
        write_status(conn, counters, time.time())
    finally:
        conn.close()


def test_search_and_admin_pages_say_plate_reading_is_off_and_how_to_fix_it(page, site):
    _plate_reading(site, "disabled", REASON)
    try:
        sign_in(page, site, "police", PASSWORDS["police"])
        page.wait_for_url("**/search")
        notice = page.locator("#plate-reading-off")
        assert "Розпізнавання номерів не працює" in notice.inner_text()
        assert REASON in notice.inner_text() and "перезапустіть Дозор" in notice.inner_text()
        page.click("text=Вийти")
        sign_in(page, site, "admin", PASSWORDS["admin"])
        page.wait_for_url("**/search")
        page.goto(site.url + "/admin")
        assert REASON in page.locator("#plate-reading-off").inner_text()
        page.click("text=Вийти")
        sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
        page.wait_for_url("**/live")
        assert page.locator("#plate-reading-off").count() == 0
        _plate_reading(site, "running", "")
        page.click("text=Вийти")
        sign_in(page, site, "police", PASSWORDS["police"])
        page.wait_for_url("**/search")
        assert page.locator("#plate-reading-off").count() == 0  # working again: no notice
    finally:
        _plate_reading(site, "running", "")
