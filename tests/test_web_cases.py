"""A purpose for every access (issue 14, item 1), through the web UI's routes: without a case no plate
data leaves (search results, sightings, pictures, video, export), nothing of it is audited either; the
case form checks the configured format and reasons; every entry written after the choice carries the
case; a change of case is audited with the case it replaced; `require_case = false` turns the gate off.
The browser walk of the same is tests/browser/test_browser_cases.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from webapp import TEST_CASE, choose_case, make_config, page_token, seed_recordings, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.config import parse_config
from edge.layout import DataLayout
from webui import create_app

PLATE_ACTIONS = {AuditAction.SEARCH, AuditAction.SIGHTING_VIEW, AuditAction.SIGHTING_PICTURE,
                 AuditAction.VIDEO_VIEW, AuditAction.EXPORT}


@pytest.fixture
def site(web, data_dir, segment_file):
    now = datetime.now(UTC).replace(microsecond=0)
    layout = DataLayout(data_dir)
    (segment,) = seed_recordings(layout, "road-north", now - timedelta(minutes=2), 1, 10,
                                 template=segment_file(10))
    sighting = seed_sighting(layout, "road-north", "BE7123AA", now - timedelta(minutes=1, seconds=55))
    return layout, segment, sighting


def entries(layout):
    conn = open_web_db(layout)
    try:
        return list(reversed(audit.entries(conn, limit=1000)))
    finally:
        conn.close()


def plate_urls(segment, sighting):
    return [
        "/search",
        "/api/search?q=BE7",
        f"/sightings/{sighting}",
        f"/sightings/{sighting}/crop.jpg",
        f"/sightings/{sighting}/scene.jpg",
        f"/video/segments/{segment}.mp4",
        "/recordings?camera=road-north",
        "/api/recordings/road-north/segments",
        "/export",
    ]


@pytest.mark.parametrize("role", ["police", "admin"])
def test_no_plate_data_and_no_plate_entry_without_a_case(web, site, role):
    layout, segment, sighting = site
    client = web.client(role, case=None)
    for url in plate_urls(segment, sighting):
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 403, url
            assert response.get_json()["case_url"] == "/case"
            assert "BE7123AA" not in response.get_data(as_text=True)
        else:
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/case?next="), (url, response.headers["Location"])
    token = page_token(client, "/case")
    posted = client.post("/export", data={"csrf_token": token, "camera": "road-north", "reason": "a reason"})
    assert posted.status_code == 302 and posted.headers["Location"].startswith("/case")
    assert not [e for e in entries(layout) if e.action in PLATE_ACTIONS]


def test_the_case_form_checks_the_number_and_the_reason(web, site):
    layout, _, _ = site
    client = web.client("police", case=None)
    for number, reason in [("123", "theft"), ("12026100000000123", "fishing"), ("", "theft"),
                           ("<script>1</script>", "theft")]:
        refused = client.post("/case", data={"number": number, "reason": reason,
                                             "csrf_token": page_token(client, "/case")})
        assert refused.status_code == 400, (number, reason)
    page = refused.get_data(as_text=True)
    assert "Номер справи має інший вигляд" in page and "<script>1" not in page
    assert client.get("/api/search?q=BE7").status_code == 403
    assert choose_case(client, "єо 4512".upper(), "missing_person").status_code == 302
    assert client.get("/api/search?q=BE7").status_code == 200
    (chosen,) = [e for e in entries(layout) if e.action == AuditAction.CASE_CHOSEN]
    assert (chosen.case_number, chosen.case_reason, chosen.target) == ("ЄО 4512", "missing_person", "ЄО 4512")


def test_every_entry_after_the_choice_carries_the_case_and_a_change_is_audited(web, site):
    layout, segment, sighting = site
    client = web.client("police", case=None)
    choose_case(client, "12026100000000123", "theft", "stolen Lanos, Kyivska St.")
    assert client.get("/api/search?q=BE7").get_json()["count"] == 1
    assert client.get(f"/sightings/{sighting}").status_code == 200
    assert client.get(f"/video/segments/{segment}.mp4", headers={"Range": "bytes=0-99"}).status_code == 206
    choose_case(client, "ЄО 77", "road_accident")
    assert client.get("/api/search?q=BE7").status_code == 200
    assert client.get(f"/video/segments/{segment}.mp4", headers={"Range": "bytes=0-99"}).status_code == 206
    client.post("/logout", data={"csrf_token": page_token(client, "/case")})
    found = entries(layout)
    login_ok = max(i for i, e in enumerate(found) if e.action == AuditAction.LOGIN_OK)
    session = found[login_ok + 1:]
    assert [e.action for e in session] == [
        AuditAction.CASE_CHOSEN, AuditAction.SEARCH, AuditAction.SIGHTING_VIEW, AuditAction.VIDEO_VIEW,
        AuditAction.CASE_CHANGED, AuditAction.SEARCH, AuditAction.VIDEO_VIEW, AuditAction.LOGOUT,
    ]
    first, second = session[:4], session[4:]
    assert {(e.case_number, e.case_reason) for e in first} == {("12026100000000123", "theft")}
    assert {(e.case_number, e.case_reason) for e in second} == {("ЄО 77", "road_accident")}
    assert session[0].detail == {"note": "stolen Lanos, Kyivska St."}
    assert session[4].detail == {"previous": {"number": "12026100000000123", "reason": "theft",
                                              "note": "stolen Lanos, Kyivska St."}}
    conn = open_web_db(layout)
    try:
        assert audit.entries(conn, case_number="ЄО 77", limit=10)[0].action == AuditAction.LOGOUT
        from accounts.audit_chain import verify

        assert verify(conn) == (len(found), [])
    finally:
        conn.close()


def test_a_case_whose_entry_cannot_be_written_is_not_taken(web, site, monkeypatch):
    """Choosing or changing the case is audited: when web.db cannot take that entry, the request fails
    and the session keeps its old case (none, or the previous one), so no search runs under a case
    the log never heard of."""
    import sqlite3

    from accounts import audit as audit_module

    layout, _, _ = site
    client = web.client("police", case=None)
    client.application.testing = False  # the browser's view: an error page, not an exception
    real_append = audit_module.append

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(audit_module, "append", locked)
    assert choose_case(client, "ЄО 5", "theft").status_code == 500
    monkeypatch.setattr(audit_module, "append", real_append)
    assert client.get("/api/search?q=BE7").status_code == 403, "a case taken without its entry"
    choose_case(client, "ЄО 6", "theft")
    monkeypatch.setattr(audit_module, "append", locked)
    assert choose_case(client, "ЄО 7", "other").status_code == 500
    monkeypatch.setattr(audit_module, "append", real_append)
    assert client.get("/api/search?q=BE7").status_code == 200
    assert entries(layout)[-1].case_number == "ЄО 6"


def test_choosing_the_same_case_again_writes_nothing(web, site):
    layout, _, _ = site
    client = web.client("police")
    before = len(entries(layout))
    choose_case(client, **TEST_CASE)
    assert len(entries(layout)) == before


def test_volunteers_cannot_choose_a_case(web, site):
    client = web.client("volunteer")
    assert client.get("/case").status_code == 403


def test_require_case_off_opens_plate_data_without_a_case(web, site, data_dir):
    layout, _, sighting = site
    config = make_config(data_dir)
    config = parse_config({**config.model_dump(mode="json"), "access": {"require_case": False}})
    client = web.client("police", app=create_app(config), case=None)
    assert client.get("/api/search?q=BE7").get_json()["count"] == 1
    assert client.get(f"/sightings/{sighting}").status_code == 200
    (search,) = [e for e in entries(layout) if e.action == AuditAction.SEARCH]
    assert (search.case_number, search.case_reason) == ("", "")


def test_the_case_number_format_and_reasons_come_from_the_config(web, site, data_dir):
    config = make_config(data_dir)
    access = {"case_pattern": r"^KV-\d{4}$", "reasons": ["розшук", "theft"], "case_example": "KV-0042"}
    config = parse_config({**config.model_dump(mode="json"), "access": access})
    client = web.client("police", app=create_app(config), case=None)
    page = client.get("/case").get_data(as_text=True)
    assert "KV-0042" in page and "розшук" in page and "крадіжка" in page and "ДТП" not in page
    assert choose_case(client, "12026100000000123", "theft").status_code == 400
    assert choose_case(client, "KV-0042", "other").status_code == 400
    assert choose_case(client, "KV-0042", "розшук").status_code == 302
