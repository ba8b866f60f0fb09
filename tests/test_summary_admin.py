"""The admin page shows the last 14 nightly summaries (in Ukrainian by default, in English on request):
per day and camera the recorded hours, outages and sightings, and the free disk."""

from __future__ import annotations

from datetime import UTC, datetime

from edge.clock import ManualClock
from edge.layout import DataLayout
from health.summary import CameraDay, DaySummary, store_summary

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def admin_page(web, language="uk"):
    return web.client("admin", clock=ManualClock(NOW), language=language).get("/admin").get_data(as_text=True)


def test_admin_page_shows_the_last_14_summaries_newest_first(web, data_dir):
    layout = DataLayout(data_dir)
    for day in range(1, 17):
        cameras = [CameraDay("road-north", 23.5, 1, 30.0, 100 + day),
                   CameraDay("village-square", 24.0, 0, 0, 0)]
        store_summary(layout, DaySummary(f"2026-03-{day:02d}", cameras, 12.5, 301.4), NOW)
    html = admin_page(web)
    assert "Щоденні підсумки" in html and "Записано, год" in html
    assert html.index("2026-03-16") < html.index("2026-03-15") < html.index("2026-03-03")
    assert "2026-03-02" not in html, "only the last 14"
    assert "Північна дорога" in html and "Площа" in html, "cameras by their titles"
    assert "<td class=\"num\">116</td>" in html and "23.5" in html and "301.4" in html


def test_before_the_first_night_the_admin_page_says_when_it_comes(web):
    assert "No summaries yet: the first one is written after midnight." in admin_page(web, "en")
