"""The transparency report (issue 14, item 4): its numbers match seeded audit, sighting and hold data
exactly, month boundaries in local time; it carries no plate text, in HTML (uk, en) or JSON, from the
admin page or `dozor report`; only admins see it."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from webapp import PASSWORDS, seed_sighting

from accounts import audit
from accounts.audit import AuditAction
from accounts.cases import Case
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock, utc_iso
from edge.layout import DataLayout
from recorder import holds


def local(day: int, hour: int = 12, month: int = 11, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute).astimezone()


PLATES = ["AA1234BB", "BE7123AA", "КА0001ВХ", "AI5555KX", "BH0777CC", "AA9999AA", "BE0001EE"]
SIGHTINGS = [  # (plate, when): the month's reads are 2 on the 1st, 3 on the 15th, 1 on the 30th
    (PLATES[0], local(1, 0, minute=5)), (PLATES[1], local(1, 18)),
    (PLATES[2], local(15)), (PLATES[3], local(15, 13)), (PLATES[0], local(15, 14)),
    (PLATES[4], local(30, 23, minute=50)),
    (PLATES[5], local(31, 23, month=10, minute=50)), (PLATES[6], local(1, 0, month=12, minute=10)),
]
THEFT, MISSING, ACCIDENT = (Case("12026100000000123", "theft"), Case("ЄО 4512", "missing_person"),
                            Case("ЄО 77", "road_accident"))
ENTRIES = [  # (when, action, target, detail, case)
    (local(2), AuditAction.SEARCH, "AA1", {"results": 3}, THEFT),
    (local(2, 13), AuditAction.SEARCH, "BE7", {"results": 1}, THEFT),
    (local(3), AuditAction.SEARCH, "КА0", {"results": 2}, THEFT),
    (local(3, 14), AuditAction.SEARCH, "ZZ9", {"results": 0}, THEFT),
    (local(4), AuditAction.SEARCH, "XX1", {"results": 0}, THEFT),
    (local(4, 15), AuditAction.SEARCH, "A!1", {}, THEFT),  # a refused query: no outcome
    (local(5), AuditAction.SEARCH, "BH0", {"results": 1, "via": "cli"}, MISSING),
    (local(6), AuditAction.SEARCH, "AI5", {"results": 0}, ACCIDENT),
    (local(7), AuditAction.SEARCH, "AA9", {"results": 0}, None),  # while require_case was off
    (local(8), AuditAction.EXPORT, "road-north", {"sighting": 3}, THEFT),
    (local(8, 13), AuditAction.EXPORT, "road-north", {"failed": "no recording in this time range"}, THEFT),
    (local(9), AuditAction.HOLD_PLACED, "hold 1", {"camera": "road-north"}, THEFT),
    (local(9, 13), AuditAction.HOLD_PLACED, "hold 2", {"camera": "road-north"}, MISSING),
    (local(10), AuditAction.HOLD_RELEASED, "hold 2", {}, MISSING),
    (local(11), AuditAction.HOLD_ENDED, "hold 0", {}, ACCIDENT),
    (local(12), AuditAction.LOGIN_FAILED, "police", {}, None),
    (local(12, 13), AuditAction.LOGIN_FAILED, "admin", {}, None),
    (local(12, 14), AuditAction.LOGIN_LOCKED, "name:admin", {}, None),
    (local(12, 15), AuditAction.LOGIN_LOCK_ENDED, "name:admin", {"since": utc_iso(local(12, 14)),
                                                                 "refused": 1}, None),
    (local(13), AuditAction.LOGIN_OK, "police", {}, None),
    (local(13, 1), AuditAction.SIGHTING_VIEW, "3", {}, THEFT),
    (local(14), AuditAction.SUBJECT_LOOKUP, "BE0001EE", {"request": "letter 5", "results": 1}, None),
    # outside the month: the last minutes of October and the first of December
    (local(31, 23, month=10, minute=59), AuditAction.SEARCH, "BE0", {"results": 1}, THEFT),
    (local(31, 23, month=10, minute=59), AuditAction.EXPORT, "road-north", {}, THEFT),
    (local(1, 0, month=12, minute=1), AuditAction.SEARCH, "AA9", {"results": 4}, MISSING),
    (local(1, 0, month=12, minute=1), AuditAction.LOGIN_FAILED, "police", {}, None),
]
EXPECTED = {
    "reads_per_day": {"2026-11-01": 2, "2026-11-15": 3, "2026-11-30": 1},
    "reads_total": 6,
    "searches": {
        "total": 9,
        "by_outcome": {"found": 4, "not_found": 4, "unknown": 1},
        "by_reason": {
            "theft": {"found": 3, "not_found": 2, "unknown": 1},
            "missing_person": {"found": 1, "not_found": 0, "unknown": 0},
            "road_accident": {"found": 0, "not_found": 1, "unknown": 0},
            "hit_and_run": {"found": 0, "not_found": 0, "unknown": 0},
            "wanted_vehicle": {"found": 0, "not_found": 0, "unknown": 0},
            "other": {"found": 0, "not_found": 0, "unknown": 0},
            "none": {"found": 0, "not_found": 1, "unknown": 0},
        },
    },
    "exports": 1,
    "holds": {"placed": 2, "released": 1, "ended": 1, "in_force_at_end": 1},
    "failed_sign_ins": 3,
    "sign_ins": {"wrong_password": 2, "refused_while_locked": 1, "refused_not_yet_in_audit_log": 0,
                 "locks": 1},
    "plate_requests_answered": 1,
}


@pytest.fixture
def site(data_dir, tmp_path):
    """A config file, and web.db, plates.db and holds.db seeded with the month's data."""
    layout = DataLayout(data_dir)
    for plate, when in SIGHTINGS:
        seed_sighting(layout, "road-north", plate, when, pictures=False)
    conn = open_web_db(layout)
    for when, action, target, detail, case in sorted(ENTRIES, key=lambda e: e[0]):
        audit.append(conn, ManualClock(when), actor="petro", ip="10.0.0.5", action=action, target=target,
                     detail=detail, case=case)
    conn.close()
    held = holds.open_holds(layout)
    base = dict(camera="road-north", start=local(1).timestamp(), end=local(1, 13).timestamp(),
                sighting_id=None, case_number="ЄО 4512", case_reason="theft", placed_by="petro")
    holds.place(held, holds.Hold(0, **base, placed_at=local(9).timestamp(),
                                 until=local(20, month=12).timestamp()))  # in force when November ended
    second = holds.place(held, holds.Hold(0, **base, placed_at=local(9, 13).timestamp(),
                                          until=local(25, month=12).timestamp()))
    holds.release(held, second, local(10).timestamp(), "petro")
    held.close()
    config = tmp_path / "dozor.toml"
    config.write_text(
        f'[storage]\npath = "{data_dir}"\n[[cameras]]\nname = "road-north"\nurl = "rtsp://10.0.0.1/s"\n'
        'title = "Північна дорога"\nlooks_at = "the road into the village from the north"\n'
        '[[cameras]]\nname = "square"\nurl = "rtsp://10.0.0.2/s"\nlpr = false\n',
        encoding="utf-8",
    )
    return config


def _report(config, *args) -> str:
    result = CliRunner().invoke(main, ["report", "--config", str(config), "--month", "2026-11", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _no_plate_text(text: str) -> None:
    """No seeded plate or searched text, in any case; the audit head's hash and log id (random hex,
    which may spell "aa9") are taken out first."""
    text = re.sub(r"\b[0-9a-f]{32}(?:[0-9a-f]{32})?\b", "", text)
    searched = {target for _, action, target, *_ in ENTRIES if action == AuditAction.SEARCH}
    for plate in {*PLATES, *searched}:
        assert plate not in text and plate.lower() not in text.lower(), plate


def test_json_report_counts_match_the_seeded_month_exactly(site, data_dir):
    report = json.loads(_report(site, "--format", "json"))
    days = report.pop("reads_per_day")
    assert len(days) == 30 and sum(days.values()) == 6
    assert {day: n for day, n in days.items() if n} == EXPECTED["reads_per_day"]
    assert {key: report[key] for key in EXPECTED if key != "reads_per_day"} == {
        k: v for k, v in EXPECTED.items() if k != "reads_per_day"}
    head = audit.read_head(open_web_db(DataLayout(data_dir)))
    assert report["audit_head"] == {"entry": head.entry_id, "hash": head.hash, "log": head.log_id}
    assert report["cameras"][0] == {"name": "road-north", "title": "Північна дорога",
                                    "looks_at": "the road into the village from the north",
                                    "reads_plates": True, "enabled": True}
    assert report["retention"] == {"days": 14, "max_hold_days": 90}
    _no_plate_text(json.dumps(report, ensure_ascii=False))


def test_reads_deleted_by_retention_are_still_counted_from_the_nightly_summaries(site, data_dir):
    """The report of November is made in December, when retention (14 days) has deleted the sightings
    of the first half of the month: the nightly summaries counted them before, and the report must
    still show them (a day never summarised keeps the plate store's count)."""
    from datetime import timedelta

    from edge.config import load_config
    from health.summary import local_zone, store_summary, summarise_day
    from plate_index.store import open_store, prune

    config, layout = load_config(site), DataLayout(data_dir)
    day, written = local(1).date(), local(3, month=12)
    while day < local(30).date():  # every night's summary but the last one's (the daemon was down)
        store_summary(layout, summarise_day(config, day, local_zone(), written), written)
        day += timedelta(days=1)
    conn = open_store(layout.plates_db)
    prune(conn, layout, local(17).timestamp())  # December 1st: 14 days kept
    conn.close()
    report = json.loads(_report(site, "--format", "json"))
    assert {day: n for day, n in report["reads_per_day"].items() if n} == EXPECTED["reads_per_day"]
    assert report["reads_total"] == EXPECTED["reads_total"]


def test_a_month_not_over_yet_is_reported_up_to_now_and_says_so(site, data_dir):
    """A report of the running month must not list days still to come as days without reads, nor
    count holds 'in force when the month ended' before it has: it covers the month up to now."""
    from edge.clock import utc_iso
    from edge.config import load_config
    from webui.transparency import build_report
    from webui.transparency_page import render_transparency_file

    report = build_report(load_config(site), "2026-11", local(20, 9))
    data = report.to_json()
    assert list(data["reads_per_day"])[-1] == "2026-11-20" and len(data["reads_per_day"]) == 20
    assert data["complete"] is False and data["period"]["to"] == utc_iso(local(20, 9))
    english = render_transparency_file(report, "en")
    assert "The month is not over" in english and "Case holds in force when this report was made" in english
    assert "The month is not over" not in render_transparency_file(
        build_report(load_config(site), "2026-11", local(3, month=12)), "en")
    ukrainian = render_transparency_file(report, "uk")
    assert "Місяць ще не закінчився" in ukrainian


@pytest.mark.parametrize("language", ["uk", "en"])
def test_html_report_shows_the_same_numbers_and_no_plate_text(site, language, data_dir):
    html = _report(site, "--lang", language)
    assert f'<html lang="{language}">' in html
    assert 'id="searches-total">9<' in html and 'id="reads-total">6<' in html
    assert 'data-reason="theft"><td>' in html
    for outcome, count in (("found", 3), ("not_found", 2), ("unknown", 1)):
        assert f'data-outcome="{outcome}">{count}<' in html.split('data-reason="theft"')[1]
    for element, count in (("exports", 1), ("holds-placed", 2), ("holds-released", 1), ("holds-ended", 1),
                           ("holds-in-force", 1), ("failed-sign-ins", 3), ("plate-requests", 1)):
        assert f'id="{element}">{count}<' in html, element
    assert audit.read_head(open_web_db(DataLayout(data_dir))).hash in html
    assert ("Звіт про прозорість" if language == "uk" else "Transparency report") in html
    _no_plate_text(html)


def test_report_file_is_written_and_a_bad_month_is_a_clear_error(site, tmp_path):
    out = tmp_path / "report.html"
    _report(site, "--out", str(out))
    _no_plate_text(out.read_text(encoding="utf-8"))
    bad = CliRunner().invoke(main, ["report", "--config", str(site), "--month", "2026-13"])
    assert bad.exit_code == 1 and "not a month like 2026-11" in bad.output


def test_admin_page_and_files_match_the_cli_and_only_admins_see_them(web, data_dir, site):
    from edge.config import load_config

    config = load_config(site)
    admin = web.client("admin", config=config, clock=ManualClock(local(3, month=12)))
    page = admin.get("/admin/transparency?month=2026-11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="searches-total">9<' in html and 'id="failed-sign-ins">3<' in html
    _no_plate_text(html)
    default = admin.get("/admin/transparency").get_data(as_text=True)  # last month by default
    assert 'id="searches-total">9<' in default
    data = admin.get("/admin/transparency.json?month=2026-11")
    assert data.headers["Content-Disposition"] == 'attachment; filename="transparency-2026-11.json"'
    assert data.get_json()["searches"] == EXPECTED["searches"]
    assert admin.get("/admin/transparency?month=November").status_code == 400
    for role in ("police", "volunteer"):
        client = web.client(role, config=config)
        assert client.get("/admin/transparency?month=2026-11").status_code == 403
        assert client.get("/admin/transparency.json?month=2026-11").status_code == 403


@pytest.fixture
def kyiv(monkeypatch):
    """The appliance's zone as in Ukraine (UTC+2 in November), restored after the test."""
    import time

    monkeypatch.setenv("TZ", "Europe/Kyiv")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_month_is_the_appliances_local_month(kyiv, data_dir):
    from datetime import UTC

    from plate_index.daily import reads_per_day
    from plate_index.store import open_store
    from webui.transparency import month_bounds

    since, until = month_bounds("2026-11")
    assert since == datetime(2026, 10, 31, 22, 0, tzinfo=UTC)
    assert until == datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    layout = DataLayout(data_dir)
    for moment in (datetime(2026, 10, 31, 21, 59, tzinfo=UTC), datetime(2026, 10, 31, 22, 30, tzinfo=UTC),
                   datetime(2026, 11, 30, 21, 59, tzinfo=UTC), datetime(2026, 11, 30, 22, 0, tzinfo=UTC)):
        seed_sighting(layout, "road-north", "AA1234BB", moment, pictures=False)
    days = reads_per_day(open_store(layout.plates_db, readonly=True), since, until)
    assert {d.isoformat(): n for d, n in days.items()} == {"2026-11-01": 1, "2026-11-30": 1}


def test_searches_made_in_the_web_ui_are_counted_by_their_outcome(web, site):
    """End to end: the search page's entries carry their result counts, and the report counts them."""
    from edge.config import load_config

    police = web.client("police", config=load_config(site), clock=ManualClock(local(16)))
    assert police.get("/api/search?q=AI5").get_json()["count"] == 1
    assert police.get("/api/search?q=ZZZ").get_json()["count"] == 0
    theft = json.loads(_report(site, "--format", "json"))["searches"]["by_reason"]["theft"]
    assert theft == {"found": 3 + 1, "not_found": 2 + 1, "unknown": 1}


def test_every_failed_sign_in_is_counted_in_the_month_it_was_made_across_a_lock_over_midnight(
    kyiv, data_dir
):
    """Sign-ins refused while a name is locked are counted by the lock, not one entry each (an attacker
    must not flood the log), yet the report counts every one in the month it was made: a lock that
    spans the end of November writes November's count when December's first refusal comes, the lock's
    end writes December's, and a count not written yet is taken from the lock itself. In Kyiv time,
    so a month in UTC would put the refusals after local midnight in the wrong month."""
    from webapp import WebSite, csrf_token, make_config

    from webui.transparency import build_report
    from webui.transparency_page import render_transparency_file

    clock = ManualClock(local(30, 23, minute=49))
    site = WebSite(data_dir, clock)
    app = site.app(clock=clock)
    config = make_config(data_dir)

    def attempt(moment: datetime, name: str = "police", password: str = "wrong-guess-1") -> int:
        clock.advance((moment - clock.now()).total_seconds())
        client = app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        form = {"username": name, "password": password, "csrf_token": token}
        return client.post("/login", data=form).status_code

    def sign_ins(month: str, now: datetime) -> dict:
        data = build_report(config, month, now).to_json()
        assert data["failed_sign_ins"] == data["sign_ins"]["wrong_password"] + data["sign_ins"][
            "refused_while_locked"]
        return data["sign_ins"]

    wrong = [attempt(local(30, 23, minute=50 + n)) for n in range(5)]  # the name locks until 00:05
    refused = [attempt(local(30, 23, minute=m)) for m in (56, 58)]
    refused += [attempt(local(1, 0, month=12, minute=m)) for m in (1, 2, 4)]
    assert wrong == [401] * 5 and refused == [429] * 5

    still_locked = local(1, 0, month=12, minute=4) + timedelta(seconds=30)
    assert sign_ins("2026-11", still_locked) == {
        "wrong_password": 5, "refused_while_locked": 2, "refused_not_yet_in_audit_log": 0, "locks": 1}
    assert sign_ins("2026-12", still_locked) == {
        "wrong_password": 0, "refused_while_locked": 3, "refused_not_yet_in_audit_log": 3, "locks": 0}
    english = render_transparency_file(build_report(config, "2026-12", still_locked), "en")
    assert 'id="refused-sign-ins">3<' in english and "3 refused attempts are counted by a lock" in english

    assert attempt(local(1, 0, month=12, minute=20), password=PASSWORDS["police"]) == 302  # the lock ended
    assert attempt(local(1, 0, month=12, minute=21), name="admin") == 401
    later = local(3, 12, month=12)
    assert sign_ins("2026-11", later)["refused_while_locked"] == 2
    assert sign_ins("2026-12", later) == {
        "wrong_password": 1, "refused_while_locked": 3, "refused_not_yet_in_audit_log": 0, "locks": 0}
    november = render_transparency_file(build_report(config, "2026-11", later), "uk")
    assert 'id="failed-sign-ins">7<' in november and 'id="wrong-passwords">5<' in november
    assert "Кожну невдалу спробу входу враховано в тому місяці" in november

    conn = open_web_db(DataLayout(data_dir))
    entries = [(e.action, e.detail.get("refused")) for e in reversed(audit.entries(conn, limit=100))]
    conn.close()
    assert entries == [(AuditAction.LOGIN_FAILED, None)] * 5 + [
        (AuditAction.LOGIN_LOCKED, None), (AuditAction.LOGIN_REFUSALS, 2), (AuditAction.LOGIN_LOCK_ENDED, 3),
        (AuditAction.LOGIN_OK, None), (AuditAction.LOGIN_FAILED, None)], "one entry per lock and month"
