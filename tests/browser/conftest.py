"""Browser fixtures: one Chromium per session, one seeded web UI per module, a fresh browser context
(cookies, storage) per test. Skips with a reason when Chromium is absent; fails in CI (CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import CHROMIUM, SEGMENT_SECONDS, launch_chromium, recorder_and_web, start_site
from webapp import add_standard_users

from edge.config import parse_config
from edge.layout import DataLayout

RECORDED_CAMERAS = {"road-north": "Північна дорога", "square": "Площа"}


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


@pytest.fixture
def recorded_site(rtsp_server, test_clip, data_dir):
    """The real recorder on a real RTSP server (two cameras, production stall timeout) and the web UI
    under webui.server: (url, the RTSP server, the data layout)."""
    clip = test_clip(width=640, height=360, seconds=6)
    server = rtsp_server(dict.fromkeys(RECORDED_CAMERAS, clip))
    config = parse_config(
        {
            "storage": {"path": str(data_dir), "min_free_gb": 0},
            "recorder": {"segment_seconds": 10, "live_fps": 1},
            "lpr": {"enabled": False},
            "cameras": [
                {"name": name, "url": server.url(name), "title": title, "lpr": False}
                for name, title in RECORDED_CAMERAS.items()
            ],
        }
    )
    add_standard_users(data_dir)
    with recorder_and_web(config) as url:
        yield url, server, DataLayout(data_dir)
