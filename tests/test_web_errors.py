"""Errors a user can hit get a page in their language, never a bare 500 or a traceback: ids in URLs too
large for SQLite are simply not found, and an unexpected failure shows a translated page (JSON for the
API) while the traceback goes to the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from webapp import seed_recordings, seed_sighting

from edge.layout import DataLayout

HUGE = "99999999999999999999999"


@pytest.fixture
def admin(web, data_dir, segment_file):
    layout = DataLayout(data_dir)
    moment = datetime.now(UTC) - timedelta(minutes=1)
    seed_recordings(layout, "road-north", moment, 1, 10, template=segment_file(10))
    seed_sighting(layout, "road-north", "BE7123AA", moment, pictures=False)
    return web.client("admin")


@pytest.mark.parametrize("path", [f"/sightings/{HUGE}", f"/sightings/{HUGE}/crop.jpg",
                                  f"/video/segments/{HUGE}.mp4", f"/sightings/{2**63}"])
def test_an_id_too_large_for_sqlite_is_not_found(admin, path):
    assert admin.get(path).status_code == 404, path


@pytest.mark.parametrize("query", [f"before={HUGE}", f"before=-{HUGE}"])
def test_an_audit_page_cursor_too_large_for_sqlite_shows_the_first_page(admin, query):
    response = admin.get(f"/admin/audit?{query}")
    assert response.status_code == 200


def test_an_unexpected_failure_shows_a_translated_page_and_logs_the_traceback(admin, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr("plate_index.search.get_sighting", broken)
    monkeypatch.setattr("plate_index.search.search", broken)
    page = admin.get("/sightings/1")
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "Щось пішло не так" in text and "RuntimeError" not in text and "disk" not in text
    api = admin.get("/api/search?q=BE7")
    assert api.status_code == 500 and "Щось пішло не так" in api.get_json()["error"]
    assert "the disk went away" in caplog.text, "the traceback is logged for the administrator"
