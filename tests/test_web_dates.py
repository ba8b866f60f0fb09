"""Dates typed into the URL or a form never crash a page: years 1 and 9999, far time zones and
nonsense answer 400 with a message that says what is wrong (they once answered 500, OverflowError)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webapp import WebSite, page_token

from edge.clock import parse_utc
from edge.layout import DataLayout
from plate_index.store import open_store
from recorder.catalog import Catalog

EXTREMES = [
    "0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "9999-12-31T23:59:59-12:00",
    "1969-12-31T23:00Z",
    "2026-13-01",
    "now",
]


@pytest.fixture(scope="module")
def police(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    site = WebSite(data)
    Catalog(DataLayout(data)).close()  # empty stores: the pages answer as on a fresh appliance
    open_store(DataLayout(data).plates_db).close()
    return site.client("police")


def _pages(client, moment: str):
    value = quote(moment)
    yield client.get(f"/recordings?camera=road-north&at={value}")
    yield client.get(f"/api/recordings/road-north/segments?from={value}")
    yield client.get(f"/api/recordings/road-north/segments?from=2026-03-01T10:00&to={value}")
    yield client.get(f"/api/search?q=AB1&since={value}")
    token = page_token(client, "/export")
    form = {"camera": "road-north", "start": moment, "end": "2026-03-01T10:00", "reason": "case 1"}
    yield client.post("/export", data={"csrf_token": token, **form})


@pytest.mark.parametrize("moment", EXTREMES)
def test_an_impossible_date_is_a_400_with_a_message(police, moment):
    for response in _pages(police, moment):
        assert response.status_code == 400, (moment, response.request.path, response.status_code)
        body = response.get_data(as_text=True)
        assert "Dozor" in body or "Дозор" in body or "дат" in body or "час" in body, body[:300]


def test_the_recordings_page_names_the_bad_date(police):
    body = police.get("/recordings?at=0001-01-01").get_data(as_text=True)
    assert "0001-01-01" in body and "1970" in body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    zone=st.sampled_from(["", "Z", "+14:00", "-12:00", "+05:30"]),
)
def test_no_date_makes_a_page_fail(police, moment, zone):
    text = moment.isoformat() + zone
    try:
        parse_utc(text)
        usable = True
    except ValueError:
        usable = False
    for response in _pages(police, text):
        assert response.status_code < 500, (text, response.request.path)
        if not usable:
            assert response.status_code == 400
