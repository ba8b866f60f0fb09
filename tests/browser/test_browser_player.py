"""Issue 15, item 6, in a real browser: the sighting-centred player opens 2 s before the car was first
seen, highlights the car's span, and scrubs a minute either way across segment files as one stream;
the recordings timeline zooms from 24 hours to 5 minutes and marks the camera's sightings (audited)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from browser_support import audit_entries, sign_in, start_site
from webapp import PASSWORDS

from accounts.audit import AuditAction

pytestmark = pytest.mark.slow
WALLCLOCK = "document.getElementById('player').dataset.wallclock || ''"
# every load of a new source, and every wait for data, from the page's first script on
EVENT_HOOK = """
window.__player = { loads: 0, waits: 0 };
document.addEventListener("DOMContentLoaded", () => {
  const video = document.getElementById("player");
  video.addEventListener("loadstart", () => { window.__player.loads += 1; });
  video.addEventListener("waiting", () => { window.__player.waits += 1; });
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, segment_template):
    running = start_site(tmp_path_factory.mktemp("player-site"), segment_template, live_camera=None)
    yield running
    running.close()


def wall(page) -> datetime:
    return datetime.fromisoformat(page.evaluate(WALLCLOCK).replace("Z", "+00:00"))


def wait_for_wall(page, moment: datetime) -> None:
    page.wait_for_function(f"() => ({WALLCLOCK}) >= '{moment.isoformat().replace('+00:00', '')}'")


def test_the_player_opens_on_the_car_and_scrubs_a_minute_either_way_without_a_seam(page, site):
    # BE7123AA on road-north was first seen 6 minutes ago, at the border of two 60-second files
    first_seen = site.now - timedelta(minutes=6)
    sign_in(page, site, "police", PASSWORDS["police"])
    page.add_init_script(EVENT_HOOK)
    page.goto(f"{site.url}/sightings/{site.sightings['BE7123AA']}")
    page.wait_for_function("() => document.getElementById('player').dataset.state === 'playing'")
    assert page.locator("#player").get_attribute("data-mode") == "stream"
    page.wait_for_function(f"() => ({WALLCLOCK}) !== ''")
    opened = (wall(page) - first_seen).total_seconds()
    assert -2.5 <= opened <= -1.0, f"opened {opened:+.2f} s from first seen (wanted about -2 s)"

    # plays from one file into the next (first seen is where the second begins) with no new source
    wait_for_wall(page, first_seen + timedelta(seconds=1.5))
    assert page.evaluate("window.__player.loads") == 1
    assert page.evaluate("document.getElementById('player').duration") >= 120

    # the car's span is highlighted, and a click on it plays the car
    car = page.locator("#scrubber .scrub-car")
    box, bar = car.bounding_box(), page.locator("#scrubber").bounding_box()
    assert box["width"] >= 2 and bar["x"] < box["x"] < bar["x"] + bar["width"] / 2
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    assert -0.5 <= (wall(page) - first_seen).total_seconds() <= 3.5

    # a minute either way, in the files before and after, on the same stream
    for offset in (-58, 55):
        target = first_seen + timedelta(seconds=offset)
        seconds = page.evaluate(
            "(t) => { const v = document.getElementById('player');"
            " const now = new Date(v.dataset.wallclock).getTime();"
            " v.currentTime += (t - now) / 1000; return v.currentTime; }",
            target.timestamp() * 1000,
        )
        assert seconds >= 0
        page.wait_for_function("() => !document.getElementById('player').seeking")
        start = page.evaluate("document.getElementById('player').currentTime")
        page.wait_for_timeout(1200)
        assert page.evaluate("document.getElementById('player').currentTime") > start + 0.7, offset
        assert abs((wall(page) - target).total_seconds()) < 3, (offset, wall(page), target)
    assert page.evaluate("window.__player.loads") == 1, "one stream for the whole two minutes"
    assert page.dialogs == []


def test_recordings_timeline_zooms_to_five_minutes_with_the_sightings_marked(page, site):
    first_seen = site.now - timedelta(minutes=6)
    sign_in(page, site, "police", PASSWORDS["police"])
    page.goto(f"{site.url}/recordings?" + urlencode({"camera": "road-north", "at": first_seen.isoformat()}))
    recorded = page.locator("#clickable-timeline .seg").first.bounding_box()["width"]
    whole = page.locator("#clickable-timeline .timeline").first.bounding_box()["width"]
    assert recorded < whole * 0.02  # 10 minutes of 24 hours
    page.click("#zoom a[data-span='5']")
    page.wait_for_url("**span=5*")
    assert page.locator("#zoom a.current").get_attribute("data-span") == "5"
    bars = page.locator("#clickable-timeline .seg")
    covered = sum(bars.nth(i).bounding_box()["width"] for i in range(bars.count()))
    assert covered > whole * 0.95, (covered, whole)  # the 5 minutes around it are all recorded
    marks = page.locator("#clickable-timeline a.mark")
    titles = [marks.nth(i).get_attribute("title") for i in range(marks.count())]
    assert titles == ["BE7555KX", "BE7123AA"], titles  # 8 and 6 minutes ago; nothing else of this camera
    page.wait_for_function("() => document.getElementById('player').dataset.state === 'playing'")
    marks.nth(1).click()
    page.wait_for_url(f"**/sightings/{site.sightings['BE7123AA']}")

    shown = audit_entries(site, AuditAction.TIMELINE_SIGHTINGS)
    assert shown and shown[0].target == "road-north" and shown[0].detail["sightings"] == 2
