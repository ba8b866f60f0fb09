"""A node of a shared index links to its own sightings from pages built on its own plates.db (the
recordings timeline, watchlist alerts, the passes page, its holds), while its sighting pages read the
shared index, where the sightings of every node are numbered together. Each such link must open the
node's own sighting, never the one another node shipped under the same number (issue 17's review).

A real PostgreSQL index; another node ("village-b") ships first, so the index's number 1 is its car and
this node's sighting number 1 is the index's number 2.
"""

from __future__ import annotations

import re
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from node_parts import ship
from webapp import WebSite, make_config, read_plate, seed_pass, signed_in

from edge.config import parse_config
from edge.layout import DataLayout
from plate_index.store import open_store
from plate_index.watchlist import add_entry
from recorder import holds
from recorder.catalog import open_catalog

OURS, THEIRS = "BH1234AA", "AA0001KA"
_HREF = re.compile(r'href="(/sightings/[^"]+)"')


@pytest.fixture
def node(tmp_path, postgres_url):
    """This node ("village-a", searching the shared index) with one car read at `moment`, on the
    watchlist and passing a plate camera; the other node's car shipped to the index before it."""
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    other = tmp_path / "village-b"
    other.mkdir()
    assert read_plate(DataLayout(other), "road-north", THEIRS, moment) == 1
    ship(other, postgres_url, "village-b")

    data = tmp_path / "village-a"
    data.mkdir()
    layout = DataLayout(data)
    with closing(open_store(layout.plates_db)) as conn:
        add_entry(conn, "BH12*", "", "police", moment - timedelta(days=1))
    assert read_plate(layout, "road-north", OURS, moment) == 1
    seed_pass(layout, "road-north", moment, read=True)
    open_catalog(layout).close()  # the recordings page reads the catalog (no video needed here)
    ship(data, postgres_url, "village-a")
    raw = make_config(data).model_dump(mode="json")
    config = parse_config({**raw, "index": {"url": postgres_url, "node": "village-a"}})
    return {"app": WebSite(data).app(config=config), "layout": layout, "moment": moment}


def _opened(client, page: str, params: dict[str, str] | None = None) -> str:
    """The heading of the sighting page that `page`'s first sighting link opens."""
    (link, *_rest) = _HREF.findall(client.get(page, query_string=params).get_data(as_text=True))
    opened = client.get(link.replace("&amp;", "&"), follow_redirects=True)
    assert opened.status_code == 200, (page, link, opened.status_code)
    return re.search(r"<h1>(.*?)</h1>", opened.get_data(as_text=True), re.S).group(1)


def test_a_nodes_own_links_open_its_own_sightings_not_another_nodes_of_the_same_number(node):
    police = signed_in(node["app"], "police")
    at = node["moment"].isoformat()
    for page, params in (("/alerts", {}), ("/recordings", {"camera": "road-north", "at": at}),
                         ("/passes", {"camera": "road-north"})):
        heading = _opened(police, page, params)
        assert OURS in heading and THEIRS not in heading, page
    alerts = police.get("/api/alerts/pending").get_json()["alerts"]
    (alert,) = alerts
    opened = police.get(alert["sighting_url"], follow_redirects=True).get_data(as_text=True)
    assert OURS in opened and THEIRS not in opened
    # read a moment ago, not shipped yet: the link says so (and a number never stored is not found)
    assert read_plate(node["layout"], "road-north", "BH5678AA") == 2
    assert police.get("/sightings/here/2").status_code == 503
    assert police.get("/sightings/here/99").status_code == 404


def test_a_hold_placed_on_a_nodes_own_sighting_keeps_its_own_number_and_links_to_it(node):
    police = signed_in(node["app"], "police")
    search = police.get("/api/search?q=BH1").get_json()
    (result,) = search["results"]
    page = police.get(result["url"]).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    sighting = result["url"].rstrip("/").rsplit("/", 1)[1]
    placed = police.post("/holds", data={"sighting_id": sighting, "days": "7", "csrf_token": token})
    assert placed.status_code in (200, 302)
    with closing(holds.open_holds(node["layout"])) as conn:
        (hold,) = holds.all_holds(conn)
    assert hold.sighting_id == 1  # this node's own number, as holds placed by the hub on it keep
    heading = _opened(police, "/holds")
    assert OURS in heading and THEIRS not in heading


def test_the_same_camera_name_in_two_villages_is_two_places_on_the_hub_never_the_hubs_own(
    tmp_path, postgres_url
):
    """A car passing road-north in village-b and road-north in village-c: the hub's search, the sighting
    page's route table and its timeline name each with its village, never with the title or the
    direction names of the hub's own road-north ("Північна дорога", "на Одесу")."""
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    for n, node in enumerate(("village-b", "village-c")):
        folder = tmp_path / node
        folder.mkdir()
        read_plate(DataLayout(folder), "road-north", OURS, moment + timedelta(minutes=10 * n))
        with closing(open_store(DataLayout(folder).plates_db)) as conn, conn:
            conn.execute("UPDATE sightings SET direction = 'towards'")
        ship(folder, postgres_url, node)
    cameras = [{"name": "road-north", "url": "rtsp://10.0.0.11/stream1", "title": "Північна дорога",
                "directions": {"towards": "на Одесу"}}]
    (tmp_path / "hub").mkdir()
    raw = make_config(tmp_path / "hub", cameras).model_dump(mode="json")
    config = parse_config({**raw, "index": {"url": postgres_url, "node": "hub"}})
    police = signed_in(WebSite(tmp_path / "hub").app(config=config), "police")

    results = police.get(f"/api/search?q={OURS}").get_json()["results"]
    assert sorted((r["camera_title"], r["direction_label"]) for r in results) == [
        ("village-b · road-north", "до камери"), ("village-c · road-north", "до камери")]
    page = police.get(results[0]["url"]).get_data(as_text=True)
    route = page[page.rindex("</dl>"):]  # after the sighting's own facts: the route, timeline and table
    for place in ("village-b · road-north", "village-c · road-north"):
        assert route.count(place) >= 2, place  # in the timeline's rows and in the table
    assert "Північна дорога" not in route and "на Одесу" not in route
