"""Signing in and out: lockout, session fixation, idle timeout, ended sessions, safe redirects,
cookie flags and security headers, through the real app and the real web.db."""

from __future__ import annotations

import pytest
from webapp import TEST_CASE, add_standard_users, choose_case, login, make_config, page_token

from accounts.users import Accounts
from accounts.webdb import open_web_db
from edge.clock import ManualClock
from edge.layout import DataLayout
from plate_index.store import NewSighting, insert_sighting, open_store
from webui import create_app
from webui.sessions import COOKIE_NAME


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def app(data_dir, clock):
    add_standard_users(data_dir, clock)
    return create_app(make_config(data_dir), clock=clock)


def client_from(app, ip="10.0.0.5"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def session_cookie(client):
    cookie = client.get_cookie(COOKIE_NAME)
    return cookie.value if cookie else None


def test_police_signs_in_and_lands_on_search(app):
    client = client_from(app)
    response = login(client, "police")
    choose_case(client, **TEST_CASE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/search"
    assert client.get("/search").status_code == 200


def test_volunteer_lands_on_live_grid(app):
    client = client_from(app)
    assert login(client, "volunteer").headers["Location"] == "/live"


def test_wrong_password_and_unknown_user_get_the_same_answer(app):
    client = client_from(app)
    wrong = login(client, "police", "not-the-password")
    unknown = login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password" in wrong.get_data(as_text=True) or "Неправильн" in wrong.get_data(
        as_text=True
    )
    assert wrong.get_data(as_text=True).count("alert") == unknown.get_data(as_text=True).count("alert")
    assert client.get("/search").status_code == 302


def test_five_failures_lock_the_name_from_every_address_for_15_minutes(app, clock):
    attacker = client_from(app, "10.0.0.66")
    for _ in range(5):
        assert login(attacker, "police", "guess-guess").status_code == 401
    # even the right password is refused now, from that address and from any other
    assert login(attacker, "police").status_code == 429
    assert login(client_from(app, "10.0.0.7"), "police").status_code == 429
    # other users at other machines sign in as usual
    assert login(client_from(app, "10.0.0.7"), "volunteer").status_code == 302
    clock.advance(14 * 60)
    assert login(attacker, "police").status_code == 429
    clock.advance(61)
    assert login(attacker, "police").status_code == 302


def test_five_failures_from_one_address_lock_it_for_every_name(app, clock):
    sprayer = client_from(app, "10.0.0.67")
    for name in ("police", "admin", "volunteer", "olena", "petro"):
        assert login(sprayer, name, "Summer2024!").status_code == 401
    assert login(sprayer, "admin").status_code == 429, "the address is locked, whatever the name"
    assert login(client_from(app, "10.0.0.8"), "admin").status_code == 302
    clock.advance(15 * 60 + 1)
    assert login(sprayer, "police").status_code == 302


def test_four_failures_then_success_resets_the_count(app):
    client = client_from(app)
    for _ in range(4):
        login(client, "police", "guess-guess")
    assert login(client, "police").status_code == 302
    other = client_from(app)
    for _ in range(4):
        login(other, "police", "guess-guess")
    assert login(other, "police").status_code == 302


def test_the_session_id_is_made_at_login_and_what_the_visitor_held_before_is_worthless(app):
    client = client_from(app)
    client.get("/login")
    before = session_cookie(client)
    assert before and "." in before, "before sign-in, only the visitor's signed state: no id to plant"
    login(client, "police")
    choose_case(client, **TEST_CASE)
    after = session_cookie(client)
    assert after and after != before and "." not in after
    # an attacker who planted `before` gets nothing
    attacker = client_from(app)
    attacker.set_cookie(COOKIE_NAME, before)
    assert attacker.get("/search").status_code == 302


def _session_rows(data_dir) -> int:
    return open_web_db(DataLayout(data_dir)).execute("SELECT COUNT(*) FROM sessions").fetchone()[0]


def test_anonymous_visitors_leave_nothing_on_the_server(app, data_dir):
    """Loading the login page (its CSRF token, a chosen language) used to add a web.db row each time:
    anyone on the LAN could grow web.db without limit. A visitor's state is a signed cookie now."""
    for n in range(200):
        client_from(app, f"10.0.1.{n}").get("/login")
    visitor = client_from(app)
    visitor.post("/language", data={"csrf_token": page_token(visitor), "lang": "en", "next": "/login"})
    assert _session_rows(data_dir) == 0
    assert "." in session_cookie(visitor), "the visitor's state is in the cookie"
    assert "Sign in" in visitor.get("/login").get_data(as_text=True), "the language is kept"
    assert login(visitor, "police").status_code == 302, "the visitor's CSRF token works"
    assert _session_rows(data_dir) == 1 and "." not in session_cookie(visitor)


def test_a_forged_visitor_cookie_is_ignored(app):
    from itsdangerous import URLSafeSerializer

    forger = client_from(app)
    forger.set_cookie(COOKIE_NAME, URLSafeSerializer("guessed-key", salt="dozor-visitor").dumps(
        {"uid": 1, "csrf_token": "x"}))
    assert forger.get("/search").status_code == 302
    token = page_token(forger)
    planted = URLSafeSerializer(app.secret_key, salt="dozor-visitor").dumps({"uid": 1})
    forger.set_cookie(COOKIE_NAME, planted)  # even signed, a visitor's cookie never signs anyone in
    assert forger.get("/search").status_code == 302
    response = forger.post("/login", data={"username": "police", "password": "x", "csrf_token": token})
    assert response.status_code == 400, "the form's token belonged to the replaced cookie"


def test_idle_session_expires_after_the_configured_minutes(app, clock):
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    clock.advance(29 * 60)
    assert client.get("/search").status_code == 200  # activity restarts the idle period
    clock.advance(29 * 60)
    assert client.get("/search").status_code == 200
    clock.advance(31 * 60)
    response = client.get("/search")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_idle_timeout_follows_the_config(data_dir, clock):
    add_standard_users(data_dir, clock)
    app = create_app(make_config(data_dir, session_idle_minutes=5), clock=clock)
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    clock.advance(6 * 60)
    assert client.get("/search").status_code == 302


def test_a_session_ends_12_hours_after_sign_in_however_busy(app, clock):
    """A live grid left on a screen polls every second; it must still sign out at the lifetime."""
    client = client_from(app)
    login(client, "volunteer")
    for _ in range(12 * 6 - 1):
        clock.advance(10 * 60)
        assert client.get("/api/live/status").status_code == 200
    clock.advance(10 * 60 + 1)
    assert client.get("/api/live/status").status_code == 401
    assert login(client, "volunteer").status_code == 302, "signing in again starts a new lifetime"


def test_session_lifetime_follows_the_config(data_dir, clock):
    add_standard_users(data_dir, clock)
    app = create_app(make_config(data_dir, session_max_hours=1), clock=clock)
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    for _ in range(5):
        clock.advance(12 * 60)
        assert client.get("/search").status_code == 200
    clock.advance(12 * 60 + 1)
    assert client.get("/search").status_code == 302


def test_logout_ends_the_session_on_the_server(app):
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    stolen = session_cookie(client)
    token = page_token(client, "/search")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = client_from(app)
    thief.set_cookie(COOKIE_NAME, stolen)
    assert thief.get("/search").status_code == 302


def test_disabling_a_user_ends_their_open_session(app, data_dir, clock):
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    assert client.get("/search").status_code == 200
    conn = open_web_db(DataLayout(data_dir))
    Accounts(conn, clock).set_active("police", False)
    conn.close()
    assert client.get("/search").status_code == 302
    assert login(client_from(app), "police").status_code == 401


def test_password_change_ends_open_sessions(app, data_dir, clock):
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    conn = open_web_db(DataLayout(data_dir))
    Accounts(conn, clock).set_password("police", "a-new-password-2")
    conn.close()
    assert client.get("/search").status_code == 302
    assert login(client_from(app), "police", "a-new-password-2").status_code == 302


def test_session_cookie_is_httponly_and_samesite_strict(app):
    client = client_from(app)
    response = login(client, "police")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header
    assert "Secure" not in header


def test_session_cookie_is_secure_under_tls(data_dir, clock):
    add_standard_users(data_dir, clock)
    app = create_app(make_config(data_dir, tls=True), clock=clock)
    client = app.test_client()
    response = client.get("/login", base_url="https://dozor.local")
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil",
        "\\\\evil.example",
        "/%0d%0aSet-Cookie:x=1",
    ],
)
def test_next_after_login_never_leaves_the_site(app, target):
    response = login(client_from(app), "police", next_url=target)
    location = response.headers["Location"]
    assert (
        location.startswith("/")
        and not location.startswith("//")
        and "evil" not in location.split("?")[0][:20]
    )
    assert "\\" not in location


def test_next_after_login_returns_to_the_page_asked_for(app):
    client = client_from(app)
    first = client.get("/recordings")
    assert first.headers["Location"] == "/login?next=/recordings"
    assert login(client, "police", next_url="/recordings").headers["Location"] == "/recordings"


def test_every_response_carries_the_security_headers(app):
    client = client_from(app)
    login(client, "police")
    choose_case(client, **TEST_CASE)
    response = client.get("/search")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers, "HSTS only under HTTPS (test_web_tls)"


def test_healthz_needs_no_sign_in_shows_no_names_and_is_rate_limited(app, data_dir):
    store = open_store(DataLayout(data_dir).plates_db)
    insert_sighting(
        store,
        NewSighting(
            camera="road-north",
            plate="BE7123AA",
            first_seen=1.7e9,
            last_seen=1.7e9 + 2,
            confidence=0.9,
            reads=3,
        ),
    )
    store.close()
    client = client_from(app, "10.0.0.9")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert response.json["status"] == "ok"
    assert response.json["checks"]["plates_db"] is True
    for secret in ("road-north", "Північна", "police", "BE7123AA"):
        assert secret not in body
    codes = [client.get("/healthz").status_code for _ in range(40)]
    assert 429 in codes
    assert client_from(app, "10.0.0.10").get("/healthz").status_code == 200


def test_no_account_exists_until_one_is_created(data_dir):
    app = create_app(make_config(data_dir))
    for n, name in enumerate(("admin", "police", "dozor", "root")):
        client = client_from(app, f"10.0.0.{20 + n}")  # one address may try 5 times, not 8
        assert login(client, name, "admin").status_code == 401
        assert login(client, name, "admin-pass-1").status_code == 401
