"""Police search over HTTP: the JSON has `dozor search --json`'s fields, Latin and Cyrillic find the
same plates, filters work, every query is audited with its text; the sighting page shows the route; a
sighting past the retention horizon is never shown, even before the daemon deletes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from webapp import TEST_CASE, choose_case, login, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(web, data_dir):
    layout = DataLayout(data_dir)
    ids = {
        "north": seed_sighting(layout, "road-north", "BE7123AA", T0, alternatives=["8E7123AA"]),
        "square": seed_sighting(layout, "village-square", "BE7123AA", T0 + timedelta(minutes=20)),
        "tolerant": seed_sighting(
            layout, "road-north", "8E7555KX", T0 + timedelta(minutes=5), pictures=False
        ),
        "other": seed_sighting(layout, "road-north", "AA1234BB", T0 + timedelta(minutes=7), pictures=False),
    }
    clock = ManualClock(T0 + timedelta(days=1))
    client = web.client("police", clock=clock)
    client.clock = clock
    return client, ids, data_dir


def test_api_results_carry_the_fields_of_dozor_search_json(site, tmp_path):
    client, _, data_dir = site
    config = tmp_path / "c.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    case = ["--case", "ЄО 1", "--reason", "theft"]
    cli = CliRunner().invoke(main, ["search", "BE7", "--config", str(config), "--json", *case])
    expected = [json.loads(line) for line in cli.output.splitlines()]
    found = client.get("/api/search?q=BE7").get_json()["results"]
    assert [{k: hit[k] for k in expected[0]} for hit in found] == expected
    assert {"url", "crop_url", "camera_title"} <= set(found[0])


def test_cyrillic_and_latin_queries_find_the_same_sightings_exact_first(site):
    client, ids, _ = site
    latin = client.get("/api/search?q=BE7").get_json()["results"]
    cyrillic = client.get("/api/search?q=" + quote("ве7")).get_json()["results"]
    assert latin == cyrillic
    assert [(h["id"], h["match"]) for h in latin] == [
        (ids["square"], "exact"),
        (ids["north"], "exact"),
        (ids["tolerant"], "tolerant"),
    ]


def test_camera_and_time_filters(site):
    client, ids, _ = site
    by_camera = client.get("/api/search?q=BE7&camera=village-square").get_json()["results"]
    assert [h["id"] for h in by_camera] == [ids["square"]]
    since = quote((T0 + timedelta(minutes=1)).isoformat())
    until = quote((T0 + timedelta(minutes=10)).isoformat())
    in_window = client.get(f"/api/search?q=BE7&since={since}&until={until}").get_json()["results"]
    assert [h["id"] for h in in_window] == [ids["tolerant"]]
    exact = client.get("/api/search?q=BE7&exact=1").get_json()["results"]
    assert all(h["match"] == "exact" for h in exact)
    assert client.get("/api/search?q=BE7&since=yesterday").status_code == 400


def test_every_query_is_audited_with_its_text_filters_and_result_count(site):
    client, _, data_dir = site
    found = client.get("/api/search?q=" + quote("ве7") + "&camera=road-north").get_json()["count"]
    client.get("/api/search?q=XYZ")
    nothing, entry = audit.entries(open_web_db(DataLayout(data_dir)), action=AuditAction.SEARCH)[:2]
    assert entry.actor == "police" and entry.target == "ве7"
    assert found > 0 and entry.detail == {"camera": "road-north", "results": found}
    assert nothing.target == "XYZ" and nothing.detail == {"results": 0}  # the report's "found nothing"


def test_crop_picture_is_served_to_police_as_jpeg(site):
    client, ids, _ = site
    url = client.get("/api/search?q=BE7").get_json()["results"][0]["crop_url"]
    picture = client.get(url)
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert picture.data[:2] == b"\xff\xd8"
    assert client.get(f"/sightings/{ids['tolerant']}/crop.jpg").status_code == 404  # it has no picture


def test_sighting_page_is_audited_and_shows_the_route_across_cameras(site):
    client, ids, data_dir = site
    page = client.get(f"/sightings/{ids['north']}").get_data(as_text=True)
    assert page.count('class="timeline-row"') == 2
    assert f'href="/sightings/{ids["square"]}"' in page
    assert "Маршрут: усі проїзди BE7123AA" in page
    entry = audit.entries(open_web_db(DataLayout(data_dir)), action=AuditAction.SIGHTING_VIEW)[0]
    assert entry.target == str(ids["north"]) and entry.detail["plate"] == "BE7123AA"
    assert client.get("/sightings/99999").status_code == 404


def test_sightings_past_the_retention_horizon_are_never_served(site):
    """retention_days = 14: on day 15 the daemon may not have deleted the sightings yet, but the UI acts
    as if it had: no search result, no page, no picture, no place in another sighting's route."""
    client, ids, _ = site
    assert len(client.get("/api/search?q=BE7").get_json()["results"]) == 3
    client.clock.advance(13 * 86400 + 600)  # the horizon is T0 + 10 min: "north" (T0) is past, "square" not
    login(client, "police")  # 13 idle days ended the session
    choose_case(client, **TEST_CASE)
    found = client.get("/api/search?q=BE7").get_json()["results"]
    assert [h["id"] for h in found] == [ids["square"]]
    assert client.get(f"/sightings/{ids['north']}").status_code == 404
    assert client.get(f"/sightings/{ids['north']}/crop.jpg").status_code == 404
    assert client.get(f"/sightings/{ids['north']}/scene.jpg").status_code == 404
    since = quote((T0 - timedelta(days=30)).isoformat())  # an explicit older filter does not reach back
    assert [h["id"] for h in client.get(f"/api/search?q=BE7&since={since}").get_json()["results"]] == [
        ids["square"]
    ]
    page = client.get(f"/sightings/{ids['square']}").get_data(as_text=True)
    assert f"/sightings/{ids['north']}\"" not in page  # the route lists only what is within the horizon
    client.clock.advance(15 * 60)
    assert client.get("/api/search?q=BE7").get_json()["results"] == []
