"""Attacks on the web UI beyond the route scan (tests/test_web_routes.py): CSRF with a wrong or stolen
token, lockout bypasses, session fixation with a planted id, stored XSS through every free-text field
(camera titles, plate text, outage reasons, user names and search text in the audit log), path
traversal through stored paths and symlinks, open redirects, audit-chain tampering, and no plate data
in /healthz.

The data is real (segment files, catalog rows, sightings with pictures written by plate_index) and the
untrusted text goes in where an attacker could put it: a sign-in form, a search box, a store written by
some other tool.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from webapp import (
    TEST_CASE,
    add_standard_users,
    choose_case,
    login,
    make_config,
    page_token,
    seed_recordings,
    seed_sighting,
    write_live_picture,
)
from webapp import (
    signed_in as webapp_signed_in,
)

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout
from recorder.catalog import CameraStatus, Catalog
from recorder.reasons import Reason
from webui import create_app
from webui.access import ALL_ROLES
from webui.sessions import COOKIE_NAME

# Each payload would do something if it ever reached the page as markup.
PAYLOADS = {
    "title": '<script>window.__xss="title"</script>',
    "plate": "<img src=x onerror=window.__xss=1>",
    "alternative": '"><svg onload=window.__xss=2>',
    "region": "<iframe src=javascript:alert(3)>",
    "reason": "</td><script>alert(4)</script>",
    "username": "<b onmouseover=alert(5)>x</b>",
    "query": "<script>alert(6)</script>",
    "export": "case <img src=x onerror=alert(7)>",
}
MARKUP = ("<script>", "<img src=x", "<svg onload", "<iframe", "<b onmouseover")
NOT_PAGES = {"live.stream", "recordings.segment_file", "sightings.picture", "live.picture", "static",
             "passes.picture"}


@pytest.fixture(scope="module")
def template(segment_file):
    return segment_file(10)


def seed_evil(data_dir, template) -> dict:
    """A data folder where every free-text field carries markup, as an attacker could leave it."""
    add_standard_users(data_dir)
    layout = DataLayout(data_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    segment_ids = seed_recordings(layout, "road-north", now - timedelta(minutes=3), 3, 10, template=template)
    good = seed_sighting(layout, "road-north", "BE7123AA", now - timedelta(minutes=2))
    evil = seed_sighting(
        layout, "village-square", "BE7555KX", now - timedelta(minutes=1), region=PAYLOADS["region"]
    )
    conn = sqlite3.connect(layout.plates_db)
    with conn:  # plate text from a store some other tool wrote
        conn.execute(
            "UPDATE sightings SET plate = ?, alternatives = ? WHERE id = ?",
            ("BE7" + PAYLOADS["plate"], json.dumps(["BE7" + PAYLOADS["alternative"]]), evil),
        )
        conn.execute("UPDATE sighting_keys SET key = 'BE7555KX' WHERE sighting_id = ?", (evil,))
        conn.execute(
            "INSERT INTO lpr_status (camera, worker, state, since, updated, last_error)"
            " VALUES ('road-north', 0, 'running', 0, 0, ?)",
            (PAYLOADS["reason"],),
        )
    conn.close()
    catalog = Catalog(layout)
    try:
        catalog.open_outage("village-square", now - timedelta(minutes=5), Reason.parse(PAYLOADS["reason"]))
        catalog.set_status(
            CameraStatus(
                "village-square", "offline", now, Reason.parse(PAYLOADS["reason"]), 0, 0, None, 0,
                now + timedelta(days=1),
            )
        )
    finally:
        catalog.close()
    write_live_picture(layout, "road-north", "live")
    cameras = [
        {"name": "road-north", "url": "rtsp://10.0.0.11/s", "title": PAYLOADS["title"]},
        {"name": "village-square", "url": "rtsp://10.0.0.12/s", "title": "Площа"},
    ]
    return {
        "config": make_config(data_dir, cameras=cameras),
        "segment": segment_ids[0],
        "good": good,
        "evil": evil,
        "layout": layout,
    }


def leave_traces_in_the_audit_log(app) -> None:
    """What an anonymous attacker and a police officer type ends up in the audit log the admin reads."""
    stranger = app.test_client()
    login(stranger, PAYLOADS["username"], "whatever-1")
    police = app.test_client()
    login(police, "police")
    choose_case(police, **TEST_CASE)
    police.get("/api/search", query_string={"q": PAYLOADS["query"]})
    token = page_token(police, "/export")
    police.post(
        "/export",
        data={
            "csrf_token": token,
            "camera": "road-north",
            "reason": PAYLOADS["export"],
            "start": "2020-01-01T00:00:00",
            "end": "2020-01-01T00:01:00",
        },
    )


@pytest.fixture
def evil_app(data_dir, template):
    seeded = seed_evil(data_dir, template)
    app = create_app(seeded["config"])
    app.seeded = seeded
    leave_traces_in_the_audit_log(app)
    return app


def signed_in(app, role: str, ip: str = "10.0.0.5"):
    return webapp_signed_in(app, role, ip)


def page_urls(app) -> list[tuple[str, str]]:
    samples = {
        "sighting_id": app.seeded["evil"],
        "node_sighting": app.seeded["evil"],
        "segment_id": app.seeded["segment"],
        "camera": "road-north",
        "kind": "crop",
        "filename": "css/dozor.css",
        "hold_id": 1,
        "node": "village-a",
    }
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES:
            out.append((rule.endpoint, adapter.build(rule.endpoint, {a: samples[a] for a in rule.arguments})))
    return out


# ---- stored XSS ----


def test_markup_in_every_stored_text_is_escaped_on_every_page_for_every_role(evil_app):
    shown = set()
    for role in ALL_ROLES:
        client = signed_in(evil_app, role.value)
        for endpoint, url in page_urls(evil_app):
            extra = {"/admin/audit": "?action="} if endpoint == "audit.viewer" else {}
            response = client.get(url + extra.get(url, ""))
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            body = response.get_data(as_text=True)
            for marker in (*MARKUP, *PAYLOADS.values()):
                assert marker not in body, (role, url, marker)
            shown |= {name for name, text in PAYLOADS.items() if _escaped(text) in body}
    # The test saw the payloads rendered (escaped), so it would have caught them unescaped. The OCR's
    # region guess is shown on no page (issue 15: it named other countries for Ukrainian plates).
    assert shown >= {"title", "plate", "username", "query", "export", "reason"}, shown
    assert "region" not in shown


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_json_carries_markup_as_data_for_the_page_to_set_as_text(evil_app):
    police = signed_in(evil_app, "police")
    found = police.get("/api/search?q=BE7").get_json()["results"]
    assert any(r["plate"].startswith("BE7<img") for r in found)
    assert police.get("/api/search?q=BE7").mimetype == "application/json"


# ---- CSRF ----


def test_a_token_from_another_session_is_refused_on_every_post_route(evil_app):
    victim = signed_in(evil_app, "admin")
    attacker = signed_in(evil_app, "admin", ip="10.0.0.66")
    stolen = page_token(attacker, "/admin/users")
    # a node's routes for its hub take no session and no token: its key guards them (test_node_link.py)
    posts = [r for r in evil_app.url_map.iter_rules()
             if "POST" in r.methods and r.endpoint != "node_api.place_hold"]
    assert len(posts) >= 5
    adapter = evil_app.url_map.bind("localhost")
    for rule in posts:
        values = {a: 1 if a.endswith("_id") else "road-north" for a in rule.arguments}
        url = adapter.build(rule.endpoint, values)
        for token in (stolen, "x" * 40, stolen[:-2] + "AA"):
            data = {
                "csrf_token": token,
                "action": "add",
                "username": "mallory",
                "role": "admin",
                "password": "mallory-pass-1",
                "lang": "en",
                "reason": "x" * 10,
            }
            assert victim.post(url, data=data).status_code == 400, (url, token[:8])
    assert "mallory" not in victim.get("/admin/users").get_data(as_text=True)


def test_a_cross_site_form_without_a_token_cannot_create_an_account(evil_app):
    admin = signed_in(evil_app, "admin")
    response = admin.post(
        "/admin/users",
        headers={"Origin": "http://evil.example", "Referer": "http://evil.example/"},
        data={"action": "add", "username": "mallory", "role": "admin", "password": "pw-pw-pw-1"},
    )
    assert response.status_code == 400
    assert "mallory" not in admin.get("/admin/users").get_data(as_text=True)


# ---- lockout ----


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def plain_app(data_dir, clock):
    add_standard_users(data_dir, clock)
    return create_app(make_config(data_dir), clock=clock)


def attempt(app, username, password, ip="10.0.0.66", **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    page = client.get("/login")
    from webapp import csrf_token

    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/login", headers=headers, data={"username": username, "password": password, "csrf_token": token}
    )


def test_spelling_the_user_name_differently_does_not_reset_the_lock(plain_app):
    for name in ("police", "Police", " POLICE ", "police ", "PoLiCe"):
        assert attempt(plain_app, name, "guess-guess").status_code == 401
    for name in ("police", "POLICE", " police"):
        assert attempt(plain_app, name, "police-pass-1").status_code == 429, name


def test_forged_forwarding_headers_do_not_give_a_fresh_address(plain_app):
    for i in range(5):
        forged = {
            "X-Forwarded-For": f"10.9.9.{i}",
            "X-Real-IP": f"10.8.8.{i}",
            "Forwarded": f"for=10.7.7.{i}",
        }
        assert attempt(plain_app, "police", "guess-guess", **forged).status_code == 401
    assert attempt(plain_app, "police", "police-pass-1", **{"X-Forwarded-For": "10.1.1.1"}).status_code == 429


def test_the_lock_outlives_a_restart_of_the_web_process(plain_app, data_dir, clock):
    for _ in range(5):
        attempt(plain_app, "police", "guess-guess")
    restarted = create_app(make_config(data_dir), clock=clock)
    assert attempt(restarted, "police", "police-pass-1").status_code == 429


def test_locked_attempts_are_audited_once_and_never_check_the_password(plain_app, data_dir):
    for _ in range(5):
        attempt(plain_app, "police", "guess-guess")
    for _ in range(3):
        attempt(plain_app, "police", "police-pass-1")
    conn = open_web_db(DataLayout(data_dir))
    actions = [e.action for e in reversed(audit.entries(conn))]
    last_login = conn.execute("SELECT last_login_at FROM users WHERE username = 'police'").fetchone()[0]
    conn.close()
    assert actions == [AuditAction.LOGIN_FAILED] * 5 + [AuditAction.LOGIN_LOCKED]
    assert last_login is None, "a locked attempt must not sign in, even with the right password"


# ---- session fixation ----


def test_a_planted_session_id_is_never_adopted(plain_app):
    victim = plain_app.test_client()
    planted = "attacker-chosen-session-id-0123456789abcdef"
    victim.set_cookie(COOKIE_NAME, planted)
    login(victim, "police")
    choose_case(victim, **TEST_CASE)
    cookie = victim.get_cookie(COOKIE_NAME).value
    assert cookie != planted
    attacker = plain_app.test_client()
    attacker.set_cookie(COOKIE_NAME, planted)
    assert attacker.get("/search").status_code == 302
    attacker.set_cookie(COOKIE_NAME, "x" * 3000)  # an absurd cookie is ignored, not an error
    assert attacker.get("/search").status_code == 302


# ---- path traversal in file-serving routes ----

ENCODED = [
    "%2e%2e%2fweb.db",
    "%252e%252e%252fweb.db",
    "..%2f..%2fweb.db",
    "%2e%2e/%2e%2e/web.db",
    "..%5c..%5cweb.db",
    "%c0%ae%c0%ae%2fweb.db",
    "．．%2fweb.db",
    "%2fetc%2fpasswd",
    "%00",
    "..%00.jpg",
]


def test_encoded_dot_dot_and_absolute_paths_never_reach_a_file(evil_app):
    admin = signed_in(evil_app, "admin")
    sighting, segment = evil_app.seeded["evil"], evil_app.seeded["segment"]
    for evil in ENCODED:
        for url in (
            f"/static/{evil}",
            f"/static/css/{evil}",
            f"/live/{evil}.jpg",
            f"/live/{evil}",
            f"/sightings/{sighting}/{evil}.jpg",
            f"/video/segments/{evil}.mp4",
            f"/api/recordings/{evil}/segments",
            f"/live/{evil}/stream",
        ):
            response = admin.get(url, follow_redirects=True)  # werkzeug merges // with a 308 first
            assert response.status_code in (404, 400), (url, response.status_code)
            assert b"SQLite format" not in response.data and b"root:" not in response.data
    assert admin.get(f"/video/segments/{segment}.mp4").status_code == 200  # the real file is served


@pytest.mark.parametrize(
    "stored",
    [
        "../web.db",
        "/etc/passwd",
        "plates/../web.db",
        "plates/../../../etc/passwd",
        "segments/../catalog.db",
        "plates/x/../../catalog.db",
    ],
)
def test_a_stored_path_that_leaves_its_folder_is_404(evil_app, stored):
    layout = evil_app.seeded["layout"]
    plates = sqlite3.connect(layout.plates_db)
    with plates:
        plates.execute("UPDATE sightings SET crop_path = ? WHERE id = ?", (stored, evil_app.seeded["good"]))
    plates.close()
    catalog = sqlite3.connect(layout.catalog_db)
    with catalog:
        catalog.execute("UPDATE segments SET path = ? WHERE id = ?", (stored, evil_app.seeded["segment"]))
    catalog.close()
    police = signed_in(evil_app, "police")
    for url in (
        f"/sightings/{evil_app.seeded['good']}/crop.jpg",
        f"/video/segments/{evil_app.seeded['segment']}.mp4",
    ):
        response = police.get(url)
        assert response.status_code == 404, (stored, url, response.status_code)
        assert b"SQLite format" not in response.data and b"root:" not in response.data


def test_symlinks_out_of_the_plate_and_segment_folders_are_not_followed(evil_app):
    layout = evil_app.seeded["layout"]
    police = signed_in(evil_app, "police")
    plates = sqlite3.connect(layout.plates_db)
    crop = plates.execute(
        "SELECT crop_path FROM sightings WHERE id = ?", (evil_app.seeded["good"],)
    ).fetchone()[0]
    plates.close()
    catalog = sqlite3.connect(layout.catalog_db)
    segment = catalog.execute(
        "SELECT path FROM segments WHERE id = ?", (evil_app.seeded["segment"],)
    ).fetchone()[0]
    catalog.close()
    for relative, url in (
        (crop, f"/sightings/{evil_app.seeded['good']}/crop.jpg"),
        (segment, f"/video/segments/{evil_app.seeded['segment']}.mp4"),
    ):
        path = layout.root / relative
        for target in (layout.web_db, "/etc/passwd"):
            path.unlink()
            os.symlink(target, path)
            response = police.get(url)
            assert response.status_code == 404, (relative, target, response.status_code)
            assert b"SQLite format" not in response.data and b"root:" not in response.data


def test_a_symlinked_live_picture_cannot_serve_the_accounts_database(evil_app):
    layout = evil_app.seeded["layout"]
    picture = layout.live_dir / "road-north.jpg"
    picture.unlink()
    os.symlink(layout.web_db, picture)
    response = signed_in(evil_app, "volunteer").get("/live/road-north.jpg")
    assert response.status_code == 404 and b"SQLite format" not in response.data


# ---- open redirects ----

REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "http://evil.example",
    " //evil.example",
    "/%2F%2Fevil.example",
    "\x00//evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/login?next=//evil.example",
    "//evil.example@dozor.local",
    "/.//evil.example",
]


def _stays_on_site(location: str) -> bool:
    from urllib.parse import urljoin, urlsplit

    final = urlsplit(urljoin("http://dozor.local/login", location))
    return final.scheme == "http" and final.netloc == "dozor.local"


@pytest.mark.parametrize("target", REDIRECTS)
def test_no_redirect_leaves_the_site(plain_app, target):
    client = plain_app.test_client()
    response = login(client, "police", next_url=target)
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]
    again = client.get("/login", query_string={"next": target})  # already signed in: straight on
    assert _stays_on_site(again.headers["Location"]), again.headers["Location"]
    token = page_token(client, "/case")
    switched = client.post("/language", data={"csrf_token": token, "lang": "en", "next": target})
    assert _stays_on_site(switched.headers["Location"]), switched.headers["Location"]
    chosen = client.post("/case", data={**TEST_CASE, "csrf_token": token, "next": target})
    assert _stays_on_site(chosen.headers["Location"]), chosen.headers["Location"]


# ---- audit chain ----


@pytest.fixture
def audit_log(tmp_path, data_dir):
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    conn = open_web_db(DataLayout(data_dir))
    clock = ManualClock()
    for i in range(1, 9):
        clock.advance(60)
        audit.append(conn, clock, actor="olena", ip="10.0.0.5", action=AuditAction.SEARCH,
                     target=f"BE{i}")
    conn.execute("DROP TRIGGER audit_no_update")  # what an intruder with a shell does first
    conn.execute("DROP TRIGGER audit_no_delete")
    yield conn, str(config)
    conn.close()


def verify(config) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "verify", "--config", config])
    return result.exit_code, result.output


def test_two_entries_swapped_are_detected(audit_log):
    conn, config = audit_log
    with conn:
        conn.execute("UPDATE audit SET id = -3 WHERE id = 3")
        conn.execute("UPDATE audit SET id = 3 WHERE id = 4")
        conn.execute("UPDATE audit SET id = 4 WHERE id = -3")
    code, output = verify(config)
    assert code == 1 and "entry 3" in output and "entry 4" in output


def test_a_search_rewritten_to_hide_the_plate_is_detected(audit_log):
    conn, config = audit_log
    with conn:
        conn.execute("UPDATE audit SET target = 'AA1', at = at + 1 WHERE id = 5")
    code, output = verify(config)
    assert code == 1 and "entry 5 edited" in output


def test_the_whole_end_of_the_log_removed_is_detected(audit_log):
    conn, config = audit_log
    with conn:
        conn.execute("DELETE FROM audit WHERE id >= 2")
    code, output = verify(config)
    assert code == 1 and "entries 2-8 deleted from the end" in output


def test_a_deleted_head_record_is_detected(audit_log):
    conn, config = audit_log
    with conn:
        conn.execute("DELETE FROM audit_head")
    code, _output = verify(config)
    assert code == 1


# ---- no plate data for anonymous callers ----


def test_healthz_shows_no_plate_camera_or_user_data_whatever_is_stored(evil_app):
    client = evil_app.test_client()
    body = client.get("/healthz").get_data(as_text=True)
    for secret in ("BE7", "road-north", "village-square", "Площа", "police", "olena", "<"):
        assert secret not in body, secret


def test_a_plate_store_created_but_not_yet_migrated_is_plate_reading_starting_not_an_error(web):
    """plates.db exists from the moment the daemon (or the aiming page) opens it, before its tables: a
    page rendered in that moment says nothing about plate reading instead of failing with a 500."""
    import sqlite3

    from edge.layout import DataLayout

    sqlite3.connect(DataLayout(web.data_dir).plates_db).close()  # the empty file, no tables
    admin = web.client("admin")
    assert admin.get("/admin").status_code == 200
    assert web.client("police").get("/search").status_code in (200, 302)
