"""Direction of travel in the web UI: each result names its direction with its camera's label (or a
generic phrase in the officer's language), the search filters by it (grouped and not), a filtered
search's audit entry records the filter, and the sighting page and its route show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from webapp import make_config, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.clock import ManualClock
from edge.layout import DataLayout

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CAMERAS = [
    {"name": "road-north", "url": "rtsp://10.0.0.11/stream1", "title": "Північна дорога",
     "directions": {"towards": "на Одесу", "away": "у село"}},
    {"name": "village-square", "url": "rtsp://10.0.0.12/stream1", "title": "Площа"},
]


@pytest.fixture
def site(web, data_dir):
    layout = DataLayout(data_dir)
    ids = {
        "towards": seed_sighting(layout, "road-north", "BE7123AA", T0, direction="towards", pictures=False),
        "away": seed_sighting(layout, "road-north", "BE7123AA", T0 + timedelta(minutes=10), direction="away",
                              pictures=False),
        "square": seed_sighting(layout, "village-square", "BE7123AA", T0 + timedelta(minutes=20),
                                direction="towards", pictures=False),
        "other": seed_sighting(layout, "road-north", "BE7555KX", T0 + timedelta(minutes=5), pictures=False),
    }
    client = web.client("police", config=make_config(data_dir, cameras=CAMERAS),
                        clock=ManualClock(T0 + timedelta(hours=1)))
    return client, ids, layout


def test_results_name_the_direction_with_the_camera_s_label_or_a_generic_phrase(site):
    client, ids, _ = site
    data = client.get("/api/search?q=BE7").get_json()
    by_id = {hit["id"]: hit for hit in data["results"]}
    towards = by_id[ids["towards"]]
    assert (towards["direction"], towards["direction_label"]) == ("towards", "на Одесу")
    assert by_id[ids["away"]]["direction_label"] == "у село"
    assert by_id[ids["square"]]["direction_label"] == "до камери"  # no label on this camera: Ukrainian words
    assert by_id[ids["other"]]["direction_label"] == "напрямок невідомий"
    groups = client.get("/api/search?q=BE7&group=1").get_json()["groups"]
    assert groups[0]["directions"] == ["до камери", "у село", "на Одесу"]  # its passes', newest first
    assert [item["direction_label"] for item in groups[0]["items"]] == ["до камери", "у село", "на Одесу"]


def test_the_search_filters_by_direction_and_the_audit_entry_records_it(site):
    client, ids, layout = site
    data = client.get("/api/search?q=BE7&direction=towards").get_json()
    assert [hit["id"] for hit in data["results"]] == [ids["square"], ids["towards"]]
    groups = client.get("/api/search?q=BE7&group=1&direction=away").get_json()["groups"]
    assert [(g["plate"], [i["id"] for i in g["items"]]) for g in groups] == [("BE7123AA", [ids["away"]])]
    unknown = client.get("/api/search?q=BE7&direction=unknown").get_json()["results"]
    assert [hit["id"] for hit in unknown] == [ids["other"]]
    entry = audit.entries(open_web_db(layout), action=AuditAction.SEARCH)[0]
    assert entry.detail["direction"] == "unknown"
    bad = client.get("/api/search?q=BE7&direction=north")
    assert bad.status_code == 400 and "напрямок" in bad.get_json()["error"]


def test_the_search_page_offers_each_direction_with_the_cameras_labels(site):
    client, _, _ = site
    html = client.get("/search").get_data(as_text=True)
    assert '<option value="towards">до камери (на Одесу)</option>' in html
    assert '<option value="left_to_right">зліва направо</option>' in html


def test_the_sighting_page_and_its_route_show_the_direction(site):
    client, ids, _ = site
    html = client.get(f"/sightings/{ids['away']}").get_data(as_text=True)
    assert '<dd id="direction">у село</dd>' in html
    route = html.split('class="direction">')[1:]
    assert [cell.split("<")[0] for cell in route] == ["на Одесу", "у село", "до камери"]
