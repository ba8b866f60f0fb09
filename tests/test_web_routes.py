"""The route scan: every route in app.url_map is checked for who may open it, CSRF, path traversal,
escaping and the audit entry of any plate data it serves, so a route added later without thinking about
roles or the audit log makes this file fail.

The data behind the routes is real (segment files, catalog rows, sightings with pictures, a live
picture), and the free-text fields (camera titles, plate text, region) carry HTML and script.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from webapp import (
    add_standard_users,
    make_config,
    make_segment_file,
    page_token,
    seed_pass,
    seed_recordings,
    seed_sighting,
    signed_in,
    write_live_picture,
)

from accounts import audit
from accounts.users import Role
from accounts.webdb import open_web_db
from edge.layout import DataLayout
from webui import create_app
from webui.access import ALL_ROLES, PUBLIC, case_needed, roles_of

PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "health.healthz", "static"}
# A node's routes for its hub (issue 17): no session, only the hub's key, and nothing at all on an
# appliance without [index] hub_key_sha256 (this one).
HUB_ENDPOINTS = {"node_api.ping", "node_api.sighting_picture", "node_api.segments", "node_api.segment_file",
                 "node_api.live_picture", "node_api.place_hold"}
# Everything a volunteer may open. Adding a route here needs a reason: volunteers see no plate data
# and no recordings.
VOLUNTEER_ENDPOINTS = {
    "auth.home",
    "auth.logout",
    "live.grid",
    "live.picture",
    "live.single",
    "live.stream",
    "live.status",
    "live.grid_stream",  # the moving grid's sub-streams (live video, as live.stream)
    "replay.page",  # the last 30 s from a tile: live-grid-level (webui.blueprints.replay)
    "replay.segments",
    "replay.segment_file",
    "admin.cameras",
    "nodes.page",  # a hub's nodes with their live pictures (live-grid-level)
    "nodes.live_picture",  # another node's live picture, as live.picture
}
EVIL_TITLE = '<script>alert("title")</script>'
EVIL_REGION = "<img src=x onerror=alert(1)>"
EVIL_PLATE = "<script>alert(2)</script>"
TRAVERSALS = ["..", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..\\..\\web.db", "....//x"]
# A camera (or any path value) called <script> must find nothing, not be echoed back.
SCRIPT_IN_PATH = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
# Routes that stream forever or send binary files: fetched for status codes only.
NOT_PAGES = {"live.stream", "live.grid_stream", "replay.segment_file",
             "recordings.segment_file", "sightings.picture", "live.picture", "static",
             "installer.aim_picture", "passes.picture"}
# The installer's pages: the aiming aid shows live plates, the site report the whole site: admins only.
INSTALLER_ENDPOINTS = {
    "installer.aim_index", "installer.aim_page", "installer.aim_start", "installer.aim_stop",
    "installer.aim_picture", "installer.aim_state", "installer.site_report", "installer.site_report_file",
}
# Routes that serve plate data (plate text, plate or scene pictures, video, live video) without an audit
# entry of their own, each with the reason. Empty: every one writes its entry.
AUDIT_EXEMPT: dict[str, str] = {}
# What the audit scan must find, or it proves nothing: each kind of plate data served by some route.
PLATE_DATA_KINDS = {"plate text", "picture", "video", "live video", "export"}


@pytest.fixture(scope="module")
def segment_template(tmp_path_factory):
    return make_segment_file(tmp_path_factory.mktemp("clip") / "template.mp4", 10)


@pytest.fixture
def app(data_dir, segment_template):
    add_standard_users(data_dir)
    layout = DataLayout(data_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    segment_ids = seed_recordings(
        layout, "road-north", now - timedelta(minutes=2), 2, 10, template=segment_template
    )
    sighting_id = seed_sighting(
        layout, "road-north", "BE7123AA", now - timedelta(minutes=1, seconds=50), region=EVIL_REGION
    )
    seed_sighting(layout, "village-square", "BE7123AA", now - timedelta(minutes=1))
    import sqlite3

    conn = sqlite3.connect(layout.plates_db)
    with conn:  # a store written by some other tool: plate text is untrusted too
        conn.execute(
            "UPDATE sightings SET plate = ?, alternatives = ? WHERE id = ?",
            (EVIL_PLATE, f'["{EVIL_PLATE}"]', sighting_id),
        )
    conn.close()
    write_live_picture(layout, "road-north", "live")
    pass_id = seed_pass(layout, "road-north", now - timedelta(minutes=1, seconds=55))
    cameras = [
        {"name": "road-north", "url": "rtsp://10.0.0.11/s", "title": EVIL_TITLE},
        {"name": "village-square", "url": "rtsp://10.0.0.12/s", "title": "Площа"},
    ]
    app = create_app(make_config(data_dir, cameras=cameras))
    app.layout = layout
    app.samples = {
        "sighting_id": sighting_id,
        "node_sighting": sighting_id,
        "pass_id": pass_id,
        "segment_id": segment_ids[0],
        "camera": "road-north",
        "kind": "crop",
        "filename": "css/dozor.css",
        "hold_id": 1,
        "item_id": 1,
        "alert_id": 1,
        "node": "village-a",
    }
    return app


def requests_of(app):
    """(endpoint, method, url) for every route and method in the URL map."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        missing = set(rule.arguments) - set(app.samples)
        assert not missing, f"route {rule.rule}: add a sample value for {missing} to this test"
        values = {name: app.samples[name] for name in rule.arguments}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, adapter.build(rule.endpoint, values, method=method)))
    return out


def send(client, method, url, token=None):
    data = {"csrf_token": token} if token else {}
    return client.open(url, method=method, data=data if method == "POST" else None)


def test_every_route_declares_who_may_open_it(app):
    with app.test_request_context():
        undeclared = [e for e in app.view_functions if roles_of(e) is None]
    assert not undeclared, f"routes without @allow/@public: {undeclared}"
    with app.test_request_context():
        public = {e for e in app.view_functions if roles_of(e) == PUBLIC}
    assert public == PUBLIC_ENDPOINTS | HUB_ENDPOINTS


def test_the_hub_routes_answer_nothing_on_an_appliance_without_a_hub_key(app):
    checked = 0
    for client in (app.test_client(), signed_in(app, "admin")):
        for endpoint, method, url in requests_of(app):
            if endpoint in HUB_ENDPOINTS:
                answer = client.open(url, method=method, headers={"Authorization": "Bearer x"})
                assert answer.status_code == 404, url
                checked += 1
    assert checked == 2 * len(HUB_ENDPOINTS)


def test_every_route_for_police_needs_a_case_but_the_case_form(app):
    """Issue 14: a route police may open shows plate data (search, sightings, video, export), so it
    opens only with a case; a new one added without @needs_case fails here."""
    with app.test_request_context():
        police = {e for e in app.view_functions
                  if isinstance(roles_of(e), frozenset) and Role.POLICE in roles_of(e)
                  and Role.VOLUNTEER not in roles_of(e)}
        # the alert poll answers without a case too, but then with no plate (test_web_watchlist.py)
        assert police - {e for e in police if case_needed(e)} == {"cases.choose", "watchlist.pending"}
        assert not [e for e in app.view_functions if case_needed(e) and Role.VOLUNTEER in (roles_of(e) or ())]


def test_the_installer_pages_are_for_admins_only(app):
    with app.test_request_context():
        installer = {e for e in app.view_functions if e.startswith("installer.")}
        assert installer == INSTALLER_ENDPOINTS
        assert all(roles_of(e) == frozenset({Role.ADMIN}) for e in installer)


def test_anonymous_users_are_refused_everywhere_but_login_static_and_healthz(app):
    client = app.test_client()
    token = page_token(client)
    checked = 0
    for endpoint, method, url in requests_of(app):
        if endpoint in PUBLIC_ENDPOINTS | HUB_ENDPOINTS:
            continue
        response = send(client, method, url, token)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)
        checked += 1
    assert checked >= 20


def test_volunteers_get_403_on_every_plate_recording_export_and_admin_route(app):
    with app.test_request_context():
        volunteer_ok = {
            e for e in app.view_functions if roles_of(e) != PUBLIC and Role.VOLUNTEER in (roles_of(e) or ())
        }
    assert volunteer_ok == VOLUNTEER_ENDPOINTS
    client = signed_in(app, "volunteer")
    token = page_token(client, "/live")
    refused = 0
    for endpoint, method, url in requests_of(app):
        if endpoint in PUBLIC_ENDPOINTS | HUB_ENDPOINTS or endpoint in VOLUNTEER_ENDPOINTS:
            continue
        assert send(client, method, url, token).status_code == 403, (method, url)
        refused += 1
    for must in ("/api/search?q=BE7", "/sightings/1", "/recordings", "/export", "/admin", "/admin/audit"):
        assert client.get(must).status_code == 403, must
    assert refused >= 12


def test_police_get_403_on_admin_routes(app):
    client = signed_in(app, "police")
    token = page_token(client, "/search")
    for endpoint, method, url in requests_of(app):
        roles = None
        with app.test_request_context():
            roles = roles_of(endpoint)
        if roles == PUBLIC or Role.POLICE in roles:
            continue
        assert send(client, method, url, token).status_code == 403, (method, url)


def test_post_without_csrf_token_is_refused_with_400(app):
    client = signed_in(app, "admin")
    posts = [(e, url) for e, method, url in requests_of(app) if method == "POST" and e not in HUB_ENDPOINTS]
    assert len(posts) >= 5
    for _endpoint, url in posts:
        response = client.post(url, data={"username": "admin", "password": "x", "lang": "en"})
        assert response.status_code == 400, url
    anonymous = app.test_client()
    assert anonymous.post("/login", data={"username": "admin", "password": "admin-pass-1"}).status_code == 400


def fill(rule, values):
    """The rule's path with raw text put in for its arguments (no converter gets to refuse it)."""
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", lambda _m, v=str(value): v, path)
    return path


def test_dot_dot_in_any_path_parameter_is_404(app):
    client = signed_in(app, "admin")
    token = page_token(client, "/admin")
    checked = 0
    for rule in app.url_map.iter_rules():
        for argument in rule.arguments:
            for evil in (*TRAVERSALS, SCRIPT_IN_PATH):
                values = {name: app.samples[name] for name in rule.arguments}
                url = fill(rule, {**values, argument: evil})
                if "GET" in rule.methods:
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": token})
                assert response.status_code == 404, (url, response.status_code)
                assert b"<script>alert" not in response.data
                checked += 1
    assert checked >= 30


def test_untrusted_text_is_escaped_on_every_page(app):
    for role in ALL_ROLES:
        client = signed_in(app, role.value)
        for endpoint, method, url in requests_of(app):
            if method != "GET" or endpoint in NOT_PAGES:
                continue
            response = client.get(url)
            if response.status_code != 200:
                continue
            if response.mimetype == "application/json":
                continue  # JSON carries text as data; pages put it in with textContent (browser test)
            assert response.mimetype == "text/html", url
            body = response.get_data(as_text=True)
            for evil in (EVIL_TITLE, EVIL_REGION, EVIL_PLATE):
                assert evil not in body, (role, url, evil)
            assert "<script>alert" not in body and "<img src=x" not in body, (role, url)
    police = signed_in(app, "police")
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in police.get("/search").get_data(
        as_text=True
    )
    page = police.get(f"/sightings/{app.samples['sighting_id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "onerror=alert(1)" not in page  # the OCR's region guess is not shown at all (issue 15)
    found = police.get("/api/search?q=BE7").get_json()
    assert found["results"][0]["camera_title"] == "Площа"  # JSON carries text; the page sets textContent


def test_plate_data_is_never_cached_by_the_browser(app):
    client = signed_in(app, "police")
    for url in (
        "/api/search?q=BE7",
        f"/sightings/{app.samples['sighting_id']}",
        f"/sightings/{app.samples['sighting_id']}/crop.jpg",
        f"/video/segments/{app.samples['segment_id']}.mp4",
    ):
        response = client.get(url)
        assert response.status_code in (200, 206), url
        assert response.headers["Cache-Control"] == "no-store", url


# ---- every route that serves plate data writes an audit entry ----

QUERIES = {"search.api": "?q=BE7"}  # the sample URL of a route that needs a query to return data


def export_form(app) -> dict:
    start = datetime.now(UTC) - timedelta(minutes=2)
    return {"camera": "road-north", "start": start.isoformat(),
            "end": (start + timedelta(seconds=15)).isoformat(), "reason": "case 12/2026"}


def fetch(app, client, endpoint, method, url):
    """The route's response as a browser gets it; a live stream is read for its first bytes and left."""
    if endpoint == "live.stream":
        response = client.get(url, buffered=False)
        body = next(iter(response.response), b"") if response.status_code == 200 else b""
        response.close()
        return response, body
    if method == "POST":
        token = page_token(client, "/search" if endpoint != "auth.logout" else "/live")
        form = export_form(app) if endpoint == "export.download" else {}
        response = client.post(url, data={"csrf_token": token, **form})
    else:
        response = client.get(url + QUERIES.get(endpoint, ""))
    return response, response.data


def plate_data_in(response, body: bytes) -> str | None:
    """What plate data a response carries, judged by what it is, not by which route sent it."""
    kind = response.mimetype
    if response.status_code not in (200, 206) or not body:
        return None
    if kind == "image/jpeg":
        return "picture"
    if kind == "video/mp4":
        return "live video" if not response.headers.get("Content-Length") else "video"
    if kind == "application/zip":
        return "export"
    text = body.decode("utf-8", errors="replace")
    plates = ("BE7123AA", EVIL_PLATE, "&lt;script&gt;alert(2)", "\\u003cscript\\u003ealert(2)")
    return "plate text" if any(p in text for p in plates) else None


def test_every_route_serving_plate_data_writes_an_audit_entry(app):
    """Acceptance 1's route scan: each GET (and the export POST) of every route, by every role allowed to
    open it, in a fresh session; whatever comes back with plate text, a picture, video or live video
    must have added an audit entry (or be listed in AUDIT_EXEMPT with its reason)."""
    conn = open_web_db(app.layout)
    kinds, silent = set(), []
    try:
        for role in ALL_ROLES:
            for endpoint, method, url in requests_of(app):
                with app.test_request_context():
                    roles = roles_of(endpoint)
                reads = method == "GET" or endpoint == "export.download"
                if roles == PUBLIC or role not in roles or not reads:
                    continue
                client = signed_in(app, role.value)  # a new session: no viewing carried over
                before = audit.read_head(conn).entry_id
                response, body = fetch(app, client, endpoint, method, url)
                found = plate_data_in(response, body)
                if found is None:
                    continue
                kinds.add(found)
                if audit.read_head(conn).entry_id == before and endpoint not in AUDIT_EXEMPT:
                    silent.append((role.value, method, url, found))
    finally:
        conn.close()
    assert not silent, f"plate data served without an audit entry: {silent}"
    assert kinds == PLATE_DATA_KINDS, f"the scan saw only {kinds}"


def test_the_hub_routes_answer_the_right_key_only_where_the_web_ui_serves_https(tmp_path):
    """README: a node answers its hub over HTTPS only, so the key never crosses a LAN in clear: with
    [web] tls = false even the right key gets nothing, and a key not quite the key gets 403."""
    from edge.config import parse_config
    from edge.node_client import new_key

    key, digest = new_key()
    add_standard_users(tmp_path)
    raw = make_config(tmp_path).model_dump(mode="json")
    index = {"hub_key_sha256": digest, "node": "village-a"}
    for tls, right, wrong in ((False, 404, 404), (True, 200, 403)):
        config = parse_config({**raw, "web": {**raw["web"], "tls": tls}, "index": index})
        client = create_app(config).test_client()
        assert client.get("/node/v1/ping", headers={"Authorization": f"Bearer {key}"}).status_code == right
        assert client.get("/node/v1/ping", headers={"Authorization": f"Bearer x{key}"}).status_code == wrong
