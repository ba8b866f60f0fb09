"""A police officer in a real browser: sign in, type three characters, open a sighting, watch the video."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow

FIRST_FRAME_HOOK = """
window.__firstFrame = null;
document.addEventListener("DOMContentLoaded", () => {
  const video = document.getElementById("player");
  if (video && "requestVideoFrameCallback" in video) {
    video.requestVideoFrameCallback(() => { window.__firstFrame = performance.now(); });
  }
});
"""


def test_police_types_three_cyrillic_characters_opens_a_sighting_and_the_video_plays(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "ве7")  # Ukrainian keyboard
    rows = page.locator("#results tbody tr.group")
    rows.first.wait_for()
    plates = rows.locator("a.plate").all_text_contents()
    assert plates[0] == "BE7123AA", plates  # one row per plate, exact before similar
    assert "8E7009CT" in plates
    marks = rows.locator(".match").all_text_contents()
    assert marks[0] == "точний" and marks[-1] == "схожий"
    assert rows.first.locator("img.crop").evaluate("img => img.complete && img.naturalWidth > 0")
    page.add_init_script(FIRST_FRAME_HOOK)
    rows.first.locator("button.passes").click()  # open the plate's passes, newest first
    passes = page.locator("#results tbody tr.pass-row")
    passes.nth(1).locator("a.plate").click()  # the older BE7123AA: road-north, where video is recorded
    page.wait_for_url("**/sightings/*")
    assert page.locator("h1").inner_text().startswith("BE7123AA")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
    first = page.evaluate("document.getElementById('player').currentTime")
    page.wait_for_timeout(1500)
    later = page.evaluate("document.getElementById('player').currentTime")
    assert later > first + 0.8, (first, later)
    first_frame_ms = page.evaluate("window.__firstFrame")
    assert first_frame_ms is not None and first_frame_ms < 3000, first_frame_ms  # bench/web_video.py: ≤ 1 s
    wallclock = page.evaluate("document.getElementById('player').dataset.wallclock")
    assert wallclock, "the player shows the recorded wall-clock time"
    # the route shows both cameras on one timeline
    assert page.locator(".timeline-row").count() == 2
    assert page.dialogs == []


def test_search_filters_by_camera_and_marks_tolerant_matches(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.select_option("#camera", "school")
    page.fill("#q", "BE7")
    page.locator("#results tbody tr").first.wait_for()
    plates = page.locator("#results a.plate").all_text_contents()
    assert plates == ["8E7009CT"]
    assert page.locator("#results .match").first.inner_text() == "схожий"


def test_too_short_or_impossible_query_explains_itself(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "BE")
    assert "щонайменше 3" in page.locator("#search-status").inner_text()
    page.fill("#q", "ЖЖЖ")
    page.wait_for_function("() => document.getElementById('search-status').textContent.includes('не буває')")


def test_recordings_page_plays_from_the_chosen_moment(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.goto(site.url + "/recordings?camera=road-north")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
    assert page.locator(".timeline .seg").count() >= 1


def test_police_exports_the_sightings_video_with_a_reason(page, site, tmp_path):
    import json
    import zipfile

    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
    page.click("text=Експортувати це відео як доказ")
    page.wait_for_url("**/export?*")
    assert page.locator("#start-local").input_value() and page.locator("#end-local").input_value()
    assert page.locator("#camera").input_value() == "road-north"
    page.fill("#reason", "справа 12/345")
    with page.expect_download() as download:
        page.click("button[type=submit].primary")
    path = tmp_path / "evidence.zip"
    download.value.save_as(path)
    archive = zipfile.ZipFile(path)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["reason"] == "справа 12/345" and manifest["exported_by"] == "police"
    assert any(name.endswith(".mp4") for name in archive.namelist())
