"""The web UI's watchlist (issue 15, item 1) on the server: entries with who and until when, matched by
plate reading at a sighting's first read (Cyrillic and look-alike tolerant), one alert per entry and
sighting, none from an expired or removed entry, the poll without a case carries no plate,
acknowledgement is recorded once, a bad pattern is refused with the search page's words; and it is the
same watchlist as the CLI's, both ways."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from webapp import audit_log_refuses, page_token, read_plate, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from dozor.cli.common import cli_actor
from edge.layout import DataLayout
from plate_index.store import open_store
from plate_index.watch_alerts import list_alerts
from plate_index.watchlist import active_entries


def web_conn(data_dir):
    return open_web_db(DataLayout(data_dir))


def plates_conn(data_dir):
    return open_store(DataLayout(data_dir).plates_db)


def poll(client):
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
    conn = plates_conn(data_dir)
    try:
        items = active_entries(conn, datetime.now(UTC))
        assert [(i.pattern, i.added_by) for i in items] == [("AA9999", "police"), ("BE1*", "police")]
        assert round((items[1].expires - items[1].added).total_seconds()) == 7 * 86400
        gone = items[0].id
    finally:
        conn.close()
    token = page_token(police, "/watchlist")
    assert police.post(f"/watchlist/{gone}/remove", data={"csrf_token": token}).status_code == 302

    assert police.get("/api/alerts/pending").get_json()["alerts"] == []  # history raises nothing
    read_plate(layout, "village-square", "8E1234XA")  # a look-alike of BE1...
    read_plate(layout, "village-square", "AA9999")  # the removed entry
    found = poll(police)
    assert [(a["plate"], a["pattern"], a["note"]) for a in found["alerts"]] == [
        ("8E1234XA", "BE1*", "синій бус")
    ]
    assert police.get("/alerts").get_data(as_text=True).count("8E1234XA") == 1  # one alert, not one per poll

    alert_id = found["alerts"][0]["id"]
    token = page_token(police, "/alerts")
    assert police.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token}).status_code == 302
    assert police.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token}).status_code == 404
    conn = plates_conn(data_dir)
    acked = list_alerts(conn)[0]
    conn.close()
    assert acked.acknowledged_by == "police" and acked.acknowledged is not None
    conn = web_conn(data_dir)
    try:
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
    read_plate(DataLayout(data_dir), "road-north", "KA7001AI")
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
    assert add(police, "BE12").status_code == 302
    again = add(police, "ве-12")
    assert again.status_code == 400 and "уже є в списку розшуку" in again.get_data(as_text=True)
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
    sighting itself is kept (the data-protection pack promises that), on the alerts page or in the
    stores, unless a case hold keeps that sighting. Plate pruning deletes it with its sighting, and an
    old alert the web UI once kept in web.db is carried into plates.db and pruned there too."""
    from webapp import make_config

    from edge.clock import ManualClock, to_epoch
    from plate_index.retention import prune_plates
    from plate_index.watchlist import add_entry
    from recorder import holds

    now = datetime.now(UTC)
    layout = DataLayout(data_dir)
    conn = plates_conn(data_dir)
    add_entry(conn, "AA*AA", "", "police", now - timedelta(days=30))
    conn.close()
    old, held_at, recent = (now - timedelta(days=d) for d in (20, 19, 1))
    for plate, when in (("AA1111AA", old), ("AA2222AA", held_at), ("AA3333AA", recent)):
        read_plate(layout, "road-north", plate, when)
    conn = web_conn(data_dir)  # web.db as the web UI's own watchlist left it: an alert 21 days old
    with conn:
        conn.execute("INSERT INTO watch_entries (id, pattern, note, added_by, added, expires) "
                     "VALUES (1, 'AA4*', '', 'police', ?, ?)", (to_epoch(now) - 30 * 86400, to_epoch(now)))
        conn.execute("INSERT INTO watch_alerts (entry_id, sighting_id, camera, plate, match, first_seen, "
                     "raised) VALUES (1, 999, 'road-north', 'AA4444AA', 'exact', ?, ?)",
                     (to_epoch(now) - 21 * 86400, to_epoch(now) - 21 * 86400))
    conn.close()
    store = holds.open_holds(layout)
    held = to_epoch(held_at)
    holds.place(store, holds.Hold(0, "road-north", held - 60, held + 60, 2, "ЄО 1", "theft", "police",
                                  to_epoch(now - timedelta(days=19)), to_epoch(now + timedelta(days=30))))
    store.close()

    page = web.client("police").get("/alerts").get_data(as_text=True)
    assert "AA3333AA" in page
    shown = [plate for plate in ("AA1111AA", "AA2222AA", "AA4444AA") if plate in page]
    assert shown == [], "an alert past retention is shown"
    prune_plates(make_config(data_dir), ManualClock(now))
    conn = plates_conn(data_dir)
    try:
        left = sorted(a.plate for a in list_alerts(conn))
        sightings = sorted(row[0] for row in conn.execute("SELECT plate FROM sightings"))
    finally:
        conn.close()
    assert left == sightings == ["AA2222AA", "AA3333AA"], "an alert outlived its sighting, or the hold"
    conn = web_conn(data_dir)
    try:
        assert conn.execute("SELECT count(*) FROM watch_alerts").fetchone()[0] == 0, "plate text in web.db"
    finally:
        conn.close()


def test_the_cli_and_the_web_ui_keep_one_watchlist_and_one_set_of_alerts(web, data_dir, tmp_path):
    """An entry added in the shell is on the web page and alerts the police on screen; one added in the
    UI is in `dozor watchlist list`; an alert acknowledged in either is acknowledged in both."""
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    case = ["--case", "ЄО 7", "--reason", "theft"]

    def dozor(*args: str):
        result = CliRunner().invoke(main, [*args, "--config", str(config)])
        assert result.exit_code == 0, result.output
        return result.output

    dozor("watchlist", "add", "ка77*", "--note", "from the shell", *case)
    police = web.client("police")
    page = police.get("/watchlist").get_data(as_text=True)
    assert "KA77*" in page and "from the shell" in page and cli_actor() in page
    assert add(police, "CE12*", "from the UI").status_code == 302
    listed = [json.loads(line) for line in dozor("watchlist", "list", "--json", *case).splitlines()]
    assert {(e["pattern"], e["added_by"]) for e in listed} == {("KA77*", cli_actor()), ("CE12*", "police")}

    layout = DataLayout(data_dir)
    read_plate(layout, "road-north", "KA7701AI")
    read_plate(layout, "road-north", "CE1234AB")
    assert sorted(a["plate"] for a in poll(police)["alerts"]) == ["CE1234AB", "KA7701AI"]
    shell = {a["plate"]: a for a in map(json.loads, dozor("alerts", "--json", *case).splitlines())}
    assert set(shell) == {"CE1234AB", "KA7701AI"}

    dozor("alerts", "ack", str(shell["KA7701AI"]["id"]), *case)  # in the shell: gone from the screen
    assert [a["plate"] for a in poll(police)["alerts"]] == ["CE1234AB"]
    token = page_token(police, "/alerts")
    web_ack = police.post(f"/alerts/{shell['CE1234AB']['id']}/ack", data={"csrf_token": token})
    assert web_ack.status_code == 302
    after = {a["plate"]: a for a in map(json.loads, dozor("alerts", "--json", *case).splitlines())}
    assert after["KA7701AI"]["acknowledged_by"] == cli_actor()
    assert after["CE1234AB"]["acknowledged_by"] == "police"
    alerts_page = police.get("/alerts").get_data(as_text=True)
    assert cli_actor() in alerts_page

    conn = web_conn(data_dir)
    try:
        entries = audit.entries(conn, limit=100)
        acks = [(e.actor, e.target) for e in entries if e.action == AuditAction.ALERT_ACK]
        adds = {e.actor for e in entries if e.action == AuditAction.WATCHLIST_ADD}
    finally:
        conn.close()
    assert sorted(acks) == sorted([(cli_actor(), str(shell["KA7701AI"]["id"])),
                                   ("police", str(shell["CE1234AB"]["id"]))])
    assert adds == {cli_actor(), "police"}


def test_an_alert_pops_up_for_a_day_then_waits_on_the_alerts_page(web, data_dir):
    """After the upgrade, the CLI's old alerts (nobody could acknowledge them there) must not all pop
    up with a sound on every police screen."""
    from plate_index.watch_alerts import raise_alerts
    from plate_index.watchlist import add_entry

    conn = plates_conn(data_dir)
    now = datetime.now(UTC)
    add_entry(conn, "BE7*", "", "police", now - timedelta(days=2))
    for sighting_id, plate, hours in ((1, "BE7001AA", 25), (2, "BE7002AA", 23)):
        raised = (now - timedelta(hours=hours)).timestamp()
        raise_alerts(conn, sighting_id, "road-north", plate, [], raised, raised)
    conn.close()
    police = web.client("police")
    assert [a["plate"] for a in poll(police)["alerts"]] == ["BE7002AA"]
    assert "BE7001AA" in police.get("/alerts").get_data(as_text=True)


def test_no_watchlist_change_or_acknowledgement_happens_without_its_audit_entry(web, data_dir):
    """The audit entry is written first: when web.db cannot take it (locked, full disk, or the process
    dies between the two), the entry is not added, not removed, the alert not acknowledged."""
    layout = DataLayout(data_dir)
    police = web.client("police")
    assert add(police, "KA7*").status_code == 302
    read_plate(layout, "road-north", "KA7001AI")
    alert_id = poll(police)["alerts"][0]["id"]
    conn = plates_conn(data_dir)
    listed = active_entries(conn, datetime.now(UTC))
    conn.close()
    token = page_token(police, "/watchlist")
    police.application.testing = False  # the browser's view: an error page, not an exception
    with audit_log_refuses():
        added = police.post("/watchlist", data={"csrf_token": token, "pattern": "BE1*", "days": 7})
        removed = police.post(f"/watchlist/{listed[0].id}/remove", data={"csrf_token": token})
        acked = police.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token})
    assert [added.status_code, removed.status_code, acked.status_code] == [500, 500, 500]
    conn = plates_conn(data_dir)
    try:
        assert active_entries(conn, datetime.now(UTC)) == listed, "changed without an audit entry"
        assert list_alerts(conn)[0].acknowledged is None
    finally:
        conn.close()
