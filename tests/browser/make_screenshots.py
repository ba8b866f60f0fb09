"""Screenshots of the search, sighting, live grid and admin pages, in Ukrainian, for the README; with
--guide, the further pages the user guides (docs/user-guide.*.md) show: sign-in, recordings with an
outage on the timeline, evidence export, choosing cameras for the live grid, the audit log.

--live makes only the volunteers' screens (grid and full-frame view of a camera that is down, desktop
and phone) and the phone's search results, menu and admin page.

--police makes the police and oversight pages added since: the watchlist with an alert on screen, a
camera's passes, the printable sighting report, the transparency report and the oversight page.

Run from the repository root:
    .venv/bin/python tests/browser/make_screenshots.py [--guide|--live|--police] [OUT_DIR]
(default docs/screenshots). Uses the browser tests' seeded site and Debian's Chromium.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the test helpers, when run as a script

from browser_support import (  # noqa: E402
    OFFLINE_CAMERA,
    Site,
    launch_chromium,
    make_template,
    remove,
    search_as,
    sign_in,
    start_site,
)
from playwright.sync_api import sync_playwright  # noqa: E402
from webapp import PASSWORDS, read_plate, seed_pass, seed_recordings, write_live_picture  # noqa: E402

from recorder.reasons import OutageReason, Reason  # noqa: E402

VIEWPORT = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dozor-shots-"))
    site = start_site(work / "data", make_template(work))
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            context = ukrainian(browser)
            page = context.new_page()
            sign_in(page, site, "admin", PASSWORDS["admin"])
            page.wait_for_url("**/search")
            page.fill("#q", "ве7")
            page.locator("#results tbody tr.group").nth(2).wait_for()
            page.locator("#results tr.group button.passes").first.click()  # one plate's passes, open
            page.wait_for_timeout(500)
            page.screenshot(path=out / "search.png")
            page.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
            page.wait_for_function("() => document.getElementById('player').currentTime > 1.5")
            page.screenshot(path=out / "sighting.png", full_page=True)
            page.goto(site.url + "/admin")
            page.screenshot(path=out / "admin.png", full_page=True)
            browser.close()
    finally:
        site.close()
        remove(work)
    for name in ("search", "sighting", "admin", *live_views(out), *phone_views(out), *police_views(out)):
        print(out / f"{name}.png")


def ukrainian(browser: Any, viewport: dict[str, int] = VIEWPORT) -> Any:
    """A browser context as the screenshots show the UI: Ukrainian, one device pixel per CSS pixel."""
    return browser.new_context(viewport=viewport, locale="uk-UA", device_scale_factor=1)


@contextmanager
def browser_on_site() -> Iterator[tuple[Site, Any]]:
    """A seeded site and Chromium, both closed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="dozor-shots-"))
    site = start_site(work / "data", make_template(work))
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            yield site, browser
            browser.close()
    finally:
        site.close()
        remove(work)


def live_views(out: Path) -> list[str]:
    """The volunteers' screens: the grid (each picture's age, a camera down since 40 minutes with its
    last picture) on a desktop and a phone, and the full-frame view of the camera that is down."""
    with browser_on_site() as (site, browser):
        last = write_live_picture(site.layout, OFFLINE_CAMERA, "last picture")
        forty_minutes_ago = time.time() - 40 * 60
        os.utime(last, (forty_minutes_ago, forty_minutes_ago))
        for viewport, suffix in ((VIEWPORT, ""), (PHONE, "-phone")):
            context = ukrainian(browser, viewport)
            page = context.new_page()
            sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
            page.wait_for_url("**/live")
            page.wait_for_function(
                "() => document.querySelector('.tile[data-camera=road-north]').dataset.frames >= 2"
            )
            page.locator(f".tile[data-camera={OFFLINE_CAMERA}] .offline").wait_for()
            page.screenshot(path=out / f"live{suffix}.png", full_page=True)
            page.goto(f"{site.url}/live/{OFFLINE_CAMERA}")
            page.locator("#offline-banner").wait_for()
            page.screenshot(path=out / f"live-camera-down{suffix}.png", full_page=True)
            context.close()
    return ["live", "live-phone", "live-camera-down", "live-camera-down-phone"]


def phone_views(out: Path) -> list[str]:
    """An officer's search results as cards and the admin page on a phone (390 px), and the open menu."""
    with browser_on_site() as (site, browser):
        page = browser.new_context(viewport=PHONE, locale="uk-UA", is_mobile=True).new_page()
        search_as(page, site, "admin", rows=3)
        page.wait_for_timeout(500)
        page.screenshot(path=out / "search-phone.png")
        page.click(".menu-toggle")
        page.screenshot(path=out / "menu-phone.png")
        page.goto(site.url + "/admin")
        page.screenshot(path=out / "admin-phone.png")
    return ["search-phone", "menu-phone", "admin-phone"]


def police_views(out: Path) -> list[str]:
    """The watchlist with an alert popping up, a camera's passes in a time window, the sighting report as
    printed, and the admin's transparency report and oversight flags."""
    with browser_on_site() as (site, browser):
        for k in range(6):  # cars in the recorded minutes, one of them read
            seed_pass(site.layout, "road-north", site.now - timedelta(seconds=90 - 12 * k), read=k == 2)
        context = ukrainian(browser)
        page = context.new_page()
        sign_in(page, site, "police", PASSWORDS["police"])
        page.goto(site.url + "/watchlist")
        page.fill("#pattern", "ве7*ха")
        page.fill("#note", "викрадений сірий Ланос")
        page.fill("#days", "7")
        page.click("#watch-form button[type=submit]")
        page.locator("#watch-entries tbody tr").first.wait_for()
        read_plate(site.layout, "village-square", "BE7901XA", datetime.now(UTC))  # plate reading raises it
        page.locator("#watch-alert .watch-alert-item").first.wait_for(timeout=15000)
        page.screenshot(path=out / "watchlist-alert.png")
        page.locator("#watch-alert .watch-alert-item button", has_text="Підтвердити").first.click()
        page.goto(site.url + "/passes?camera=road-north")
        page.locator("#passes-status").wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=out / "passes.png", full_page=True)
        page.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
        page.emulate_media(media="print")
        page.screenshot(path=out / "sighting-print.png", full_page=True)
        context.close()
        page = ukrainian(browser).new_page()
        sign_in(page, site, "admin", PASSWORDS["admin"])
        page.goto(site.url + "/admin/transparency")
        page.screenshot(path=out / "transparency.png", full_page=True)
        page.goto(site.url + "/admin/oversight")
        page.screenshot(path=out / "oversight.png", full_page=True)
    return ["watchlist-alert", "passes", "sighting-print", "transparency", "oversight"]


def seed_history(site: Site, template: Path) -> None:
    """A day of road-north before the seeded ten minutes, with a three-hour outage in the night, so the
    recordings timeline shows what the guide explains (the catalog rows are long; the files are copies)."""
    from recorder.catalog import Catalog

    ten_minutes_ago = site.now - timedelta(minutes=10)
    after = ten_minutes_ago - timedelta(hours=10, minutes=30)
    outage_start = after - timedelta(hours=3)
    seed_recordings(site.layout, "road-north", after, 21, 1800, template=template)
    seed_recordings(site.layout, "road-north", outage_start - timedelta(hours=8), 16, 1800, template=template)
    catalog = Catalog(site.layout)
    try:
        outage = catalog.open_outage("road-north", outage_start, Reason(OutageReason.TIMED_OUT))
        catalog.close_outage(outage, after)
    finally:
        catalog.close()


def guide(out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dozor-shots-"))
    template = make_template(work)
    site = start_site(work / "data", template)
    seed_history(site, template)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            context = ukrainian(browser)
            page = context.new_page()
            page.goto(site.url + "/login")
            page.screenshot(path=out / "login.png")
            sign_in(page, site, "police", PASSWORDS["police"])
            page.wait_for_url("**/search")
            page.fill("#q", "ве7")
            page.locator("#results tbody tr.group").nth(2).wait_for()
            page.locator("#results tr.group button.passes").first.click()  # one plate's passes, open
            page.goto(site.url + "/recordings?camera=road-north")
            page.wait_for_function("() => document.getElementById('player').currentTime > 1.5")
            page.screenshot(path=out / "recordings.png", full_page=True)
            page.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
            page.click("text=Експортувати це відео як доказ")
            page.fill("#reason", "Справа № 12023040000000123, запит слідчого від 21.11")
            page.screenshot(path=out / "export.png")
            page.goto(site.url + "/live")
            page.click("#choose")
            page.wait_for_function(
                "() => document.querySelector('.tile[data-camera=road-north]').dataset.frames >= 2"
            )
            page.screenshot(path=out / "live-choose.png")
            page.click("text=Вийти")
            sign_in(page, site, "admin", PASSWORDS["admin"])
            page.goto(site.url + "/admin/audit")
            page.screenshot(path=out / "audit.png")
            browser.close()
    finally:
        site.close()
        remove(work)
    return ["login", "recordings", "export", "live-choose", "audit"]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a not in ("--guide", "--live", "--police")]
    target = Path(args[0]) if args else REPO / "docs" / "screenshots"
    if "--guide" in sys.argv[1:]:
        for name in guide(target):
            print(target / f"{name}.png")
    elif "--police" in sys.argv[1:]:
        for name in police_views(target):
            print(target / f"{name}.png")
    elif "--live" in sys.argv[1:]:
        for name in live_views(target) + phone_views(target):
            print(target / f"{name}.png")
    else:
        main(target)
