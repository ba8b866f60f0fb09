"""Browser fixtures: one Chromium per session, one seeded web UI per module, a fresh browser context
(cookies, storage) per test. Skips with a reason when Chromium is absent; fails in CI (CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import CHROMIUM, SEGMENT_SECONDS, launch_chromium, start_site


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def segment_template(segment_file):
    return segment_file(SEGMENT_SECONDS)


@pytest.fixture(scope="module")
def site(tmp_path_factory, segment_template):
    running = start_site(tmp_path_factory.mktemp("site"), segment_template)
    yield running
    running.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000}, locale="uk-UA")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.set_default_timeout(15000)
    yield page
    context.close()
