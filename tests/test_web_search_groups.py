"""Search results grouped by plate over HTTP, wildcards through the web API, and the audit of a refresh:
the page's refresh of the query on screen adds no entry, a new query (or a forged refresh) does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from webapp import seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.clock import ManualClock
from edge.layout import DataLayout

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(web, data_dir):
    layout = DataLayout(data_dir)
    pictureless = {"pictures": False}
    ids = {
        "north": seed_sighting(layout, "road-north", "BE7123AA", T0),
        "square": seed_sighting(layout, "village-square", "BE7123AA", T0 + timedelta(minutes=20)),
        "north2": seed_sighting(layout, "road-north", "BE7123AA", T0 + timedelta(minutes=30), **pictureless),
        "tolerant": seed_sighting(layout, "road-north", "8E7555KX", T0 + timedelta(minutes=5), **pictureless),
    }
    clock = ManualClock(T0 + timedelta(hours=1))
    client = web.client("police", clock=clock)
    client.clock = clock
    return client, ids, layout


def _searches(layout):
    return audit.entries(open_web_db(layout), action=AuditAction.SEARCH)


def test_results_come_grouped_by_plate_with_passes_cameras_and_last_seen(site):
    client, ids, _ = site
    data = client.get("/api/search?q=BE7&group=1").get_json()
    assert data["count"] == 4 and data["plates"] == 2 and data["truncated"] is False
    first, second = data["groups"]
    assert (first["plate"], first["match"], first["passes"]) == ("BE7123AA", "exact", 3)
    assert sorted(first["cameras"]) == ["Площа", "Північна дорога"]  # the cameras' titles
    assert first["last_seen"] == "2026-03-01T12:30:00.000Z"
    assert first["first_seen"] == "2026-03-01T12:00:00.000Z"
    assert [item["id"] for item in first["items"]] == [ids["north2"], ids["square"], ids["north"]]
    assert first["crop_url"].endswith(f"/sightings/{ids['square']}/crop.jpg")  # the newest with a picture
    assert (second["plate"], second["match"], second["passes"]) == ("8E7555KX", "tolerant", 1)


def test_a_new_pass_appears_in_the_same_query_asked_again(site):
    client, _, layout = site
    before = client.get("/api/search?q=BE7&group=1").get_json()["groups"][0]["passes"]
    seed_sighting(layout, "school", "BE7123AA", T0 + timedelta(minutes=40), pictures=False)
    after = client.get("/api/search?q=BE7&group=1&refresh=1").get_json()["groups"][0]
    assert (before, after["passes"]) == (3, 4)
    assert after["last_seen"] == "2026-03-01T12:40:00.000Z"


def test_a_refresh_adds_no_audit_entry_and_a_new_query_does(site):
    client, _, layout = site
    client.get("/api/search?q=BE7&group=1")
    for _ in range(3):
        client.clock.advance(5)
        client.get("/api/search?q=BE7&group=1&refresh=1")
    assert len(_searches(layout)) == 1
    client.get("/api/search?q=BE71&group=1")  # typed on: a new query
    client.get("/api/search?q=BE7&group=1&camera=road-north&refresh=1")  # other filters: a new query
    client.get("/api/search?q=BE7&group=1")  # typed anew, not a refresh: audited again
    entries = _searches(layout)
    assert [(e.target, {k: v for k, v in e.detail.items() if k != "results"}) for e in entries][:3] == [
        ("BE7", {}), ("BE7", {"camera": "road-north"}), ("BE71", {}),
    ]
    assert len(entries) == 4 and all(isinstance(e.detail["results"], int) for e in entries)


def test_a_refresh_nobody_asked_before_is_audited(site):
    client, _, layout = site
    client.get("/api/search?q=" + quote("*123") + "&group=1&refresh=1")
    assert [e.target for e in _searches(layout)] == ["*123"]


def test_a_refresh_after_the_page_was_left_idle_is_a_new_entry(site):
    client, _, layout = site
    client.get("/api/search?q=BE7&group=1")
    client.clock.advance(600)
    client.get("/api/search?q=BE7&group=1&refresh=1")
    assert len(_searches(layout)) == 2


def test_wildcards_over_http_and_the_vague_query_explains_itself(site):
    client, ids, _ = site
    found = client.get("/api/search?q=" + quote("*123аа")).get_json()["results"]
    assert [hit["id"] for hit in found] == [ids["north2"], ids["square"], ids["north"]]
    assert [h["plate"] for h in client.get("/api/search?q=" + quote("ВЕ?1")).get_json()["results"]] == [
        "BE7123AA"
    ] * 3
    refused = client.get("/api/search?q=" + quote("*1?2?3"))
    assert refused.status_code == 400 and "3" in refused.get_json()["error"]


def test_volunteers_get_no_search_results(web):
    client = web.client("volunteer")
    assert client.get("/api/search?q=BE7&group=1&refresh=1").status_code == 403
