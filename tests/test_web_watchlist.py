"""The web UI's watchlist (issue 15, item 1) on the server: entries with who and until when, matching
at a sighting's first read (Cyrillic and look-alike tolerant), one alert per entry and sighting, none
from an expired or removed entry, the poll without a case carries no plate, acknowledgement is
recorded once, and a bad pattern is refused with the search page's words."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from webapp import page_token, seed_sighting

from accounts import audit, watchlist
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.layout import DataLayout


def web_conn(data_dir):
    return open_web_db(DataLayout(data_dir))


def poll(client):
    """The alert poll, after the once-a-second check has had its chance to run."""
    time.sleep(1.1)
    return client.get("/api/alerts/pending").get_json()


def add(client, pattern, note="", days=7):
    token = page_token(client, "/watchlist")
    return client.post(
        "/watchlist", data={"csrf_token": token, "pattern": pattern, "note": note, "days": days}
    )


def test_entries_match_new_reads_once_and_are_audited(web, data_dir):
    layout = DataLayout(data_dir)
    seed_sighting(layout, "road-north", "BE1111XA", datetime.now(UTC) - timedelta(hours=1))  # history
    police = web.client("police")
    assert add(police, "ве1*", "синій бус").status_code == 302
    assert add(police, "AA9999", "gone", days=1).status_code == 302
    conn = web_conn(data_dir)
    try:
        items = watchlist.active_items(conn, datetime.now(UTC))
        assert [(i.pattern, i.added_by) for i in items] == [("AA9999", "police"), ("BE1*", "police")]
        assert round((items[1].expires - items[1].added).total_seconds()) == 7 * 86400
        gone = items[0].id
    finally:
        conn.close()
    token = page_token(police, "/watchlist")
    assert police.post(f"/watchlist/{gone}/remove", data={"csrf_token": token}).status_code == 302

    assert police.get("/api/alerts/pending").get_json()["alerts"] == []  # history raises nothing
    seed_sighting(layout, "village-square", "8E1234XA", datetime.now(UTC))  # a look-alike of BE1...
    seed_sighting(layout, "village-square", "AA9999", datetime.now(UTC))  # the removed entry
    found = poll(police)
    assert [(a["plate"], a["pattern"], a["note"]) for a in found["alerts"]] == [
        ("8E1234XA", "BE1*", "синій бус")
    ]
    assert police.get("/alerts").get_data(as_text=True).count("8E1234XA") == 1  # one alert, not one per poll

    alert_id = found["alerts"][0]["id"]
    token = page_token(police, "/alerts")
    assert police.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token}).status_code == 302
    assert police.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token}).status_code == 404
    conn = web_conn(data_dir)
    try:
        acked = watchlist.list_alerts(conn)[0]
        assert acked.acknowledged_by == "police" and acked.acknowledged is not None
        actions = [e.action for e in audit.entries(conn, actor="police", limit=100)]
    finally:
        conn.close()
    for action in (
        AuditAction.WATCHLIST_ADD,
        AuditAction.WATCHLIST_REMOVE,
        AuditAction.WATCHLIST_VIEW,
        AuditAction.ALERTS_VIEW,
        AuditAction.ALERT_ACK,
    ):
        assert action in actions, action


def test_without_a_case_the_poll_says_an_alert_waits_but_not_its_plate(web, data_dir):
    police = web.client("police")
    assert add(police, "KA7*").status_code == 302
    police.get("/api/alerts/pending")
    seed_sighting(DataLayout(data_dir), "road-north", "KA7001AI", datetime.now(UTC))
    bare = web.client("police", case=None)
    found = poll(bare)
    assert found["case_needed"] and len(found["alerts"]) == 1
    assert "KA7" not in str(found)
    assert bare.get("/watchlist").status_code == 302  # to the case form


def test_a_bad_pattern_or_expiry_is_refused_and_volunteers_are_kept_out(web):
    police = web.client("police")
    assert add(police, "Ж1").status_code == 400
    assert add(police, "BE12", days=0).status_code == 400
    assert add(police, "BE12", days=366).status_code == 400
    volunteer = web.client("volunteer")
    for path in ("/watchlist", "/alerts", "/api/alerts/pending"):
        assert volunteer.get(path).status_code == 403, path


def test_the_alert_poll_does_not_keep_an_idle_session_alive(data_dir):
    """Every police page polls for alerts every 2 s; a page left open must still sign out when idle."""
    from webapp import TEST_CASE, add_standard_users, choose_case, login, make_config

    from edge.clock import ManualClock
    from webui.app import create_app

    clock = ManualClock()
    add_standard_users(data_dir, clock)
    client = create_app(make_config(data_dir), clock=clock).test_client()
    login(client, "police")
    choose_case(client, **TEST_CASE)
    for _ in range(29):
        clock.advance(60)
        assert client.get("/api/alerts/pending").status_code == 200
    clock.advance(2 * 60)
    assert client.get("/api/alerts/pending").status_code == 401  # 31 idle minutes: signed out
    assert client.get("/search").status_code == 302


def test_alerts_go_with_the_retention_unless_a_hold_keeps_their_sighting(web, data_dir):
    """An alert holds a sighting's plate, camera and time: it must not outlive the 14 days the
    sighting itself is kept (the data-protection pack promises that), on the alerts page or in web.db,
    unless a case hold keeps that camera and time."""
    from webapp import make_config

    from dozor.alerts_job import prune_watch_alerts
    from edge.clock import ManualClock, to_epoch
    from recorder import holds

    now = datetime.now(UTC)
    old, held_at, recent = (to_epoch(now - timedelta(days=d)) for d in (20, 19, 1))
    conn = web_conn(data_dir)
    try:
        month_ago, soon = now - timedelta(days=30), now + timedelta(days=5)
        entry = watchlist.add_item(conn, "AA*", "", "police", month_ago, soon)
        seen = ((1, "AA1111AA", old), (2, "AA2222AA", held_at), (3, "AA3333AA", recent))
        for sighting, plate, when in seen:
            watchlist.store_alert(conn, entry, (sighting, "road-north", plate, when), "exact", now)
    finally:
        conn.close()
    store = holds.open_holds(DataLayout(data_dir))
    holds.place(store, holds.Hold(0, "road-north", held_at - 60, held_at + 60, 2, "ЄО 1", "theft", "police",
                                  to_epoch(now - timedelta(days=19)), to_epoch(now + timedelta(days=30))))
    store.close()
    page = web.client("police").get("/alerts").get_data(as_text=True)
    assert "AA1111AA" not in page and "AA3333AA" in page, "an alert past retention is shown"
    assert prune_watch_alerts(make_config(data_dir), ManualClock(now)) == 1
    conn = web_conn(data_dir)
    try:
        left = [a.plate for a in watchlist.list_alerts(conn)]
    finally:
        conn.close()
    assert sorted(left) == ["AA2222AA", "AA3333AA"]
