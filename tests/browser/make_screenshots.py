"""Screenshots of the search, sighting, live grid and admin pages, in Ukrainian, for the README; with
--guide, the further pages the user guides (docs/user-guide.*.md) show: sign-in, recordings with an
outage on the timeline, evidence export, choosing cameras for the live grid, the audit log.

Run from the repository root:  .venv/bin/python tests/browser/make_screenshots.py [--guide] [OUT_DIR]
(default docs/screenshots). Uses the browser tests' seeded site and Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the test helpers, when run as a script

from browser_support import Site, launch_chromium, make_template, remove, sign_in, start_site  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from webapp import PASSWORDS, seed_recordings  # noqa: E402

from recorder.reasons import OutageReason, Reason  # noqa: E402

VIEWPORT = {"width": 1440, "height": 900}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dozor-shots-"))
    site = start_site(work / "data", make_template(work))
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            context = browser.new_context(viewport=VIEWPORT, locale="uk-UA", device_scale_factor=1)
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
            page.goto(site.url + "/live")
            page.wait_for_function(
                "() => document.querySelector('.tile[data-camera=road-north]').dataset.frames >= 2"
            )
            page.wait_for_timeout(5500)  # the offline badge arrives with the status poll
            page.screenshot(path=out / "live.png")
            page.goto(site.url + "/admin")
            page.screenshot(path=out / "admin.png", full_page=True)
            browser.close()
    finally:
        site.close()
        remove(work)
    for name in ("search", "sighting", "live", "admin"):
        print(out / f"{name}.png")


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
            context = browser.new_context(viewport=VIEWPORT, locale="uk-UA", device_scale_factor=1)
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
    args = [a for a in sys.argv[1:] if a != "--guide"]
    target = Path(args[0]) if args else REPO / "docs" / "screenshots"
    if "--guide" in sys.argv[1:]:
        for name in guide(target):
            print(target / f"{name}.png")
    else:
        main(target)
