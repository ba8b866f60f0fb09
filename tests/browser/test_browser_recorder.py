"""End to end with the real recorder: a real RTSP server, the Recorder writing segments and live
pictures, the web UI under webui.server, and Chromium. A volunteer's grid shows the recorder's pictures and
an offline badge when a camera fails; a click plays the camera live at full frame rate from the segment
being written; police play what was just recorded."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from browser_support import sign_in
from recording import wait_until
from webapp import PASSWORDS

from recorder.live_snapshots import mark_watched

pytestmark = pytest.mark.slow


def _updates(picture, seconds: float) -> int:
    updates, last, until = 0, picture.stat().st_mtime_ns, time.monotonic() + seconds
    while time.monotonic() < until:
        time.sleep(0.1)
        mtime = picture.stat().st_mtime_ns
        updates, last = updates + (mtime != last), mtime
    return updates


def test_live_grid_live_video_and_recordings_from_the_real_recorder(page, recorded_site):
    url, rtsp, layout = recorded_site
    site = SimpleNamespace(url=url)
    picture = layout.live_dir / "road-north.jpg"
    assert wait_until(picture.exists, 30, interval=0.5), "the recorder wrote no live picture"
    unwatched = _updates(picture, 6)
    mark_watched(layout, "road-north")  # what the web UI does for every picture it serves
    time.sleep(3)  # the recorder notices within a second and decodes from the next keyframe
    mark_watched(layout, "road-north")
    watched = _updates(picture, 6)
    print(f"recorder live picture updates in 6 s: {unwatched} unwatched, {watched} watched")
    assert unwatched == 0, "an unwatched camera's picture is not refreshed after its start-up picture"
    assert watched >= 4, "a watched camera's picture is refreshed at live_fps (1/s)"

    sign_in(page, site, "volunteer", PASSWORDS["volunteer"])
    page.wait_for_url("**/live")
    tile = page.locator(".tile[data-camera=road-north]")
    page.wait_for_function("() => document.querySelector('.tile[data-camera=road-north]').dataset.frames > 2")
    assert tile.locator("img").evaluate("img => img.naturalWidth") == 640

    rtsp.down("square")
    badge = page.locator(".tile[data-camera=square] .offline")
    badge.wait_for(timeout=30000)
    assert badge.inner_text().startswith("Не працює з ")

    tile.click()
    page.wait_for_url("**/live/road-north")
    page.wait_for_function("() => document.getElementById('live').currentTime > 0.3", timeout=30000)
    frames = page.evaluate("document.getElementById('live').getVideoPlaybackQuality().totalVideoFrames")
    page.wait_for_timeout(3000)
    later = page.evaluate("document.getElementById('live').getVideoPlaybackQuality().totalVideoFrames")
    print(f"live view: {later - frames} frames in 3 s")
    assert later - frames >= 60, "full frame rate (25 fps camera): at least 20 frames/s"
    lag = page.evaluate("""() => { const v = document.getElementById('live'); const b = v.buffered;
                                   return b.length ? b.end(b.length - 1) - v.currentTime : 99; }""")
    assert lag < 3.0, lag

    page.goto(url + "/login")
    page.context.clear_cookies()
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    at = quote((datetime.now(UTC) - timedelta(seconds=15)).isoformat())
    page.goto(f"{url}/recordings?camera=road-north&at={at}")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5", timeout=20000)
    assert page.locator(".timeline .seg").count() >= 1
