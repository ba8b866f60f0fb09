"""Screenshots of the search, sighting, live grid and admin pages, in Ukrainian, for the README.

Run from the repository root:  .venv/bin/python tests/browser/make_screenshots.py [OUT_DIR]
(default docs/screenshots). Uses the browser tests' seeded site and Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from browser_support import launch_chromium, make_template, remove, sign_in, start_site
from playwright.sync_api import sync_playwright

from webui.testing import PASSWORDS

REPO = Path(__file__).resolve().parents[2]
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
            page.locator("#results tbody tr").nth(3).wait_for()
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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots")
