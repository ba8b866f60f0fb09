"""The sign-in lockout holds under concurrency and cannot grow the audit log (issue 12, acceptance 4):
32 wrong passwords at once against a real `dozor web` get at most 5 checks, the right password sent in
that burst is refused, and 1,000 attempts on a locked name add at most 2 audit entries."""

from __future__ import annotations

import re
import sqlite3
import threading
from urllib.parse import urlencode

import pytest
from recording import wait_until
from web_http import connection, dozor_web
from webapp import PASSWORDS, WebSite, add_standard_users, csrf_token

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.clock import ManualClock
from edge.layout import DataLayout

BURST = 32


def _login_form(port: int) -> tuple[object, str, str]:
    """A connection that fetched the login page: (connection, session cookie, CSRF token)."""
    conn = connection(port, timeout=60)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return conn, response.getheader("Set-Cookie").split(";")[0], token


def _post(form: tuple, password: str, port: int) -> int:
    conn, cookie, token = form
    body = urlencode({"username": "police", "password": password, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/login",
    })
    response = conn.getresponse()
    response.read()
    return response.status


def _reserved_checks(web_db) -> int:
    with sqlite3.connect(f"file:{web_db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM login_failures WHERE username = 'police'").fetchone()[0]


@pytest.mark.slow
def test_32_wrong_passwords_at_once_get_at_most_5_checks_and_the_right_one_in_the_burst_fails(
    tmp_path, data_dir
):
    add_standard_users(data_dir)
    layout = DataLayout(data_dir)
    with dozor_web(tmp_path, data_dir) as port:
        forms = [_login_form(port) for _ in range(BURST + 1)]
        start = threading.Barrier(BURST + 1)
        statuses: list[int] = []

        def guess(form):
            start.wait()
            statuses.append(_post(form, "wrong-guess-123", port))

        guessers = [threading.Thread(target=guess, args=(form,)) for form in forms[:BURST]]
        for thread in guessers:
            thread.start()
        start.wait()
        wait_until(lambda: _reserved_checks(layout.web_db) >= 5, 30, 0.005)
        right = _post(forms[BURST], PASSWORDS["police"], port)  # while the guesses are being checked
        for thread in guessers:
            thread.join(60)
    conn = open_web_db(layout)
    failed = audit.entries(conn, action=AuditAction.LOGIN_FAILED)
    signed_in = conn.execute("SELECT last_login_at FROM users WHERE username = 'police'").fetchone()[0]
    conn.close()
    print(f"{statuses.count(401)} checked, {statuses.count(429)} refused; the right password: {right}")
    assert len(statuses) == BURST
    assert statuses.count(401) <= 5 and statuses.count(401) + statuses.count(429) == BURST, statuses
    assert len(failed) <= 5
    assert right == 429 and signed_in is None, "the right password in the burst must not sign in"


def test_1000_attempts_on_a_locked_name_add_at_most_2_audit_entries(data_dir):
    clock = ManualClock()
    client = WebSite(data_dir, clock).client(clock=clock)
    token = csrf_token(client.get("/login").get_data(as_text=True))

    def post(password: str) -> int:
        form = {"username": "police", "password": password, "csrf_token": token}
        return client.post("/login", data=form).status_code

    for _ in range(5):
        assert post("wrong-guess-123") == 401
    conn = open_web_db(DataLayout(data_dir))
    before = len(audit.entries(conn, limit=10_000))
    statuses = [post(PASSWORDS["police"] if n % 100 == 0 else f"guess-{n}") for n in range(1000)]
    added = audit.entries(conn, limit=10_000)[: len(audit.entries(conn, limit=10_000)) - before]
    assert set(statuses) == {429}
    assert len(added) <= 2 and [e.action for e in added] == [AuditAction.LOGIN_LOCKED], added
    assert added[0].target == "name:police"

    clock.advance(15 * 60 + 1)
    assert post(PASSWORDS["police"]) == 302
    ended = audit.entries(conn, action=AuditAction.LOGIN_LOCK_ENDED)
    assert len(ended) == 1 and ended[0].detail["refused"] == 1000 and ended[0].actor == "police"
    conn.close()


def test_the_right_password_forgets_only_that_names_failures_from_its_own_address(data_dir):
    """What the README says: at most 5 wrong passwords per name and per address in 15 minutes, and the
    right one takes its check back and clears that name's earlier failures from the same address only."""
    clock = ManualClock()
    site = WebSite(data_dir, clock)
    app = site.app(clock=clock)

    def post(address: str, password: str, name: str = "police") -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        token = csrf_token(client.get("/login").get_data(as_text=True))
        form = {"username": name, "password": password, "csrf_token": token}
        return client.post("/login", data=form).status_code

    assert [post("10.0.0.1", "wrong-guess-1") for _ in range(4)] == [401] * 4
    assert post("10.0.0.1", PASSWORDS["police"]) == 302
    assert [post("10.0.0.1", "wrong-guess-2") for _ in range(5)] == [401] * 5, "the 4 typos were forgotten"
    assert post("10.0.0.1", "wrong-guess-3") == 429
    assert post("10.0.0.9", PASSWORDS["police"]) == 429, "the name is locked from every address"

    clock.advance(15 * 60 + 1)
    assert [post("10.0.0.2", "wrong-guess-4") for _ in range(4)] == [401] * 4
    assert post("10.0.0.3", PASSWORDS["police"]) == 302
    assert post("10.0.0.4", "wrong-guess-5") == 401
    assert post("10.0.0.4", "wrong-guess-6") == 429, "guesses from another address still count"

    clock.advance(15 * 60 + 1)
    assert [post("10.0.0.5", "wrong-guess-7", "volunteer") for _ in range(4)] == [401] * 4
    assert post("10.0.0.5", PASSWORDS["police"]) == 302
    assert post("10.0.0.5", "wrong-guess-8", "admin") == 401
    assert post("10.0.0.5", "wrong-guess-9", "admin") == 429, "the address's guesses at other names count"


def test_a_locks_count_reaches_the_audit_log_even_when_nobody_signs_in_again(data_dir):
    """The daemon's minute job writes the count of a lock that is over (dozor.lock_counts_job), once,
    in the chain; a sign-in afterwards writes it no second time."""
    from accounts.audit_chain import verify
    from dozor.lock_counts_job import write_ended_locks

    clock = ManualClock()
    client = WebSite(data_dir, clock).client(clock=clock)
    token = csrf_token(client.get("/login").get_data(as_text=True))

    def post(password: str) -> int:
        return client.post("/login", data={"username": "police", "password": password,
                                           "csrf_token": token}).status_code

    assert [post(f"guess-{n}") for n in range(8)] == [401] * 5 + [429] * 3
    layout = DataLayout(data_dir)
    assert write_ended_locks(layout, clock) == 0  # still locked
    clock.advance(15 * 60 + 1)
    assert write_ended_locks(layout, clock) == 1
    assert write_ended_locks(layout, clock) == 0
    assert post(PASSWORDS["police"]) == 302
    conn = open_web_db(layout)
    ended = audit.entries(conn, action=AuditAction.LOGIN_LOCK_ENDED)
    assert [(e.target, e.actor, e.detail["refused"]) for e in ended] == [("name:police", "police", 3)]
    checked, problems = verify(conn)
    assert problems == [] and checked == len(audit.entries(conn, limit=100))
    conn.close()
