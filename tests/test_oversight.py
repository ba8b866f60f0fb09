"""Oversight flags for admins (issue 14, item 3): they match seeded audit and hold data exactly: searches
outside duty hours (a night rota too; by plate, or by place and time), plate data opened off duty, many
searches under one case, one plate searched by one user across cases (typed on either keyboard, or by
its middle), exports, watchlist additions, subject lookups, holds near their end; the weekly summary
goes to the journal on Mondays and to the admin page; no flag shows plate text."""

from __future__ import annotations

import logging
from datetime import datetime, time

import pytest

from accounts import audit
from accounts.audit import AuditAction
from accounts.cases import Case
from accounts.oversight import Flag, FlagKind, on_duty, read_flags
from accounts.webdb import open_web_db
from dozor.oversight_job import log_summary, weekly_summary
from edge.clock import ManualClock
from edge.config import OversightConfig, parse_config
from edge.layout import DataLayout
from plate_index.normalise import plate_start
from recorder import holds


def local(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute).astimezone()


NOW = local(18)  # a Wednesday: the last 7 days are from the 11th, 12:00
A, B, C, D, E = (Case(n, "theft") for n in ("ЄО 1", "ЄО 2", "ЄО 3", "ЄО 4", "ЄО 5"))
ENTRIES = [  # (when, actor, action, target, case); ids are 1.. in this order
    (local(10, 23), "petro", AuditAction.SEARCH, "AA1", E),  # 1: before the 7 days
    (local(12, 10), "petro", AuditAction.SEARCH, "AA1", A),  # 2
    (local(12, 22, 30), "petro", AuditAction.SEARCH, "AA1", B),  # 3: off duty
    (local(13, 3), "petro", AuditAction.SEARCH, "аа1", C),  # 4: off duty; the same plate, in Cyrillic
    (local(14, 9), "ivan", AuditAction.SEARCH, "BE7", D),  # 5
    (local(14, 10), "ivan", AuditAction.SEARCH, "KA0", D),  # 6
    (local(14, 11), "maria", AuditAction.SEARCH, "BH1", D),  # 7
    (local(14, 12), "ivan", AuditAction.SEARCH, "AI5", D),  # 8: the 4th under case D (more than 3)
    (local(15, 9), "ivan", AuditAction.SEARCH, "BE7", A),  # 9: BE7 by ivan under 2 cases only
    (local(15, 10), "olena", AuditAction.EXPORT, "road-north", A),  # 10
    (local(15, 11), "olena", AuditAction.SIGHTING_VIEW, "5", A),  # 11: not flagged
    (local(16, 20), "petro", AuditAction.SEARCH, "", A),  # 12: off duty (20:00 is after duty)
    (local(13, 15), "olena", AuditAction.SUBJECT_LOOKUP, "BE7123AA", None),  # 13: a person's request
    (local(17, 10), "olena", AuditAction.SUBJECT_LOOKUP, "AA1234BB", None),  # 14
    (local(14, 13), "ivan", AuditAction.PASSES_VIEW, "road-north", D),  # 15: on duty, not a plate search
    (local(14, 23), "petro", AuditAction.PASSES_VIEW, "road-north", A),  # 16: a search by place, off duty
    (local(15, 14), "ivan", AuditAction.WATCHLIST_ADD, "BE7*", D),  # 17: follows BE7 without searching
    (local(13, 21), "petro", AuditAction.TIMELINE_SIGHTINGS, "road-north", B),  # 18: plates by time, off duty
    (local(16, 22), "ivan", AuditAction.SIGHTING_VIEW, "7", D),  # 19: a sighting opened off duty
    (local(16, 22, 5), "ivan", AuditAction.VIDEO_VIEW, "road-north", D),  # 20: ... its video
    (local(16, 23), "ivan", AuditAction.SIGHTING_PICTURE, "pass 3", D),  # 21: one flag for the 3
]
RULES = OversightConfig(searches_per_case=3, repeat_plate_cases=3, hold_warn_days=7)
EXPECTED = [
    Flag(FlagKind.REPEATED_PLATE, local(12, 10), ("petro",), "", 3, 3, (2, 3, 4)),
    Flag(FlagKind.OFF_DUTY, local(12, 22, 30), ("petro",), "ЄО 2", 1, 1, (3,)),
    Flag(FlagKind.OFF_DUTY, local(13, 3), ("petro",), "ЄО 3", 1, 1, (4,)),
    Flag(FlagKind.SUBJECT_LOOKUP, local(13, 15), ("olena",), "", 1, 1, (13,)),
    Flag(FlagKind.OFF_DUTY, local(13, 21), ("petro",), "ЄО 2", 1, 1, (18,)),
    Flag(FlagKind.BUSY_CASE, local(14, 9), ("ivan", "maria"), "ЄО 4", 4, 1, (5, 6, 7, 8)),
    Flag(FlagKind.OFF_DUTY, local(14, 23), ("petro",), "ЄО 1", 1, 1, (16,)),
    Flag(FlagKind.EXPORT, local(15, 10), ("olena",), "ЄО 1", 1, 1, (10,)),
    Flag(FlagKind.WATCHLIST, local(15, 14), ("ivan",), "ЄО 4", 1, 1, (17,)),
    Flag(FlagKind.OFF_DUTY, local(16, 20), ("petro",), "ЄО 1", 1, 1, (12,)),
    Flag(FlagKind.OFF_DUTY_VIEWS, local(16, 22), ("ivan",), "ЄО 4", 3, 1, (19, 20, 21)),
    Flag(FlagKind.SUBJECT_LOOKUP, local(17, 10), ("olena",), "", 1, 1, (14,)),
]


@pytest.fixture
def seeded(data_dir):
    layout = DataLayout(data_dir)
    conn = open_web_db(layout)
    for when, actor, action, target, case in ENTRIES:
        audit.append(conn, ManualClock(when), actor=actor, ip="10.0.0.5", action=action, target=target,
                     case=case)
    conn.close()
    held = holds.open_holds(layout)
    for until, released in ((local(21), False), (local(28), False), (local(19), True)):
        hold = holds.Hold(0, "road-north", local(1).timestamp(), local(1, 13).timestamp(), None, "ЄО 1",
                          "theft", "petro", local(9).timestamp(), until.timestamp())
        hold_id = holds.place(held, hold)
        if released:
            holds.release(held, hold_id, local(12).timestamp(), "petro")
    held.close()
    return layout


def test_flags_match_the_seeded_audit_entries_exactly(seeded):
    found = read_flags(seeded, RULES, local(11), NOW, plate_start)
    assert found == EXPECTED


def test_duty_hours_by_day_and_over_midnight():
    day = OversightConfig(duty_start=time(8), duty_end=time(20))
    night = OversightConfig(duty_start=time(20), duty_end=time(8))
    always = OversightConfig(duty_start=time(0), duty_end=time(0))
    hours = {h: (on_duty(local(5, h), day), on_duty(local(5, h), night)) for h in (7, 8, 19, 20, 23, 3)}
    assert hours == {7: (False, True), 8: (True, False), 19: (True, False), 20: (False, True),
                     23: (False, True), 3: (False, True)}
    assert all(on_duty(local(5, h), always) for h in range(24))


def test_weekly_summary_goes_to_the_journal_on_mondays_only(seeded, caplog):
    config = parse_config({"storage": {"path": str(seeded.root)}, "oversight": RULES.model_dump()})
    assert weekly_summary(config, ManualClock(local(17, 0, 15))) is None  # a Tuesday
    with caplog.at_level(logging.INFO, logger="dozor.oversight_job"):
        text = weekly_summary(config, ManualClock(local(16, 0, 15)))  # Monday: the week of the 9th-15th
    assert text == (
        "oversight 2026-11-09 to 2026-11-16: 5 search(es) outside duty hours (08:00-20:00), "
        "0 day(s) a user opened plate data outside duty hours, "
        "1 case(s) with many searches, 1 plate(s) searched again by one user across cases, 1 export(s), "
        "1 plate(s) put on the watchlist, 1 plate lookup(s) for a person's request, "
        "1 case hold(s) near their end"
    )
    assert text in caplog.text and "AA1" not in caplog.text and "BE7" not in caplog.text
    assert log_summary(config, local(16, 0, 15)) == text


def test_admin_page_shows_the_flags_and_last_weeks_summary_without_plate_text(web, seeded):
    config = parse_config({"storage": {"path": str(seeded.root)}, "oversight": RULES.model_dump(),
                           "cameras": [{"name": "road-north", "url": "rtsp://10.0.0.1/s"}]})
    admin = web.client("admin", config=config, clock=ManualClock(NOW))
    html = admin.get("/admin/oversight").get_data(as_text=True)
    rows = html.split('<table id="flags">')[1].split("</table>")[0]
    assert [kind for kind in (k.value for k in FlagKind) for _ in range(rows.count(f'data-kind="{kind}"'))] \
        == ["off_duty"] * 5 + ["busy_case", "repeated_plate", "export", "subject_lookup", "subject_lookup",
                               "watchlist", "off_duty_views"]
    ending = html.split('id="holds-ending"')[1].split("</table>")[0]
    assert ending.count("data-hold=") == 1  # ends on the 21st; the 28th is too far, the 19th was released
    week = html.split('id="week"')[1].split("</table>")[0]
    week_counts = (("off_duty", 5), ("busy_case", 1), ("repeated_plate", 1), ("export", 1),
                   ("subject_lookup", 1), ("watchlist", 1), ("off_duty_views", 0), ("holds", 1))
    for kind, count in week_counts:
        assert f'data-kind="{kind}">{count}<' in week, kind
    shown = html.split('<section class="panel">')[1]  # the page's own text (the header has a random token)
    for plate in ("AA1", "аа1", "BE7", "KA0", "BH1", "AI5"):
        assert plate not in shown
    assert "номер перевірено на запит особи" in rows  # the subject lookups, in Ukrainian
    overview = admin.get("/admin").get_data(as_text=True)
    assert "13 позначок за 7 днів" in overview  # 12 flags and 1 hold near its end
    police = web.client("police", config=config)
    assert police.get("/admin/oversight").status_code == 403


def test_one_plate_followed_with_ever_longer_queries_under_changing_cases_is_flagged(data_dir):
    """Someone following one car types its start, then more of it, under a new case each time: the
    queries differ (AA1, AA12, AA123ВВ) but all find that plate's start, so the flag must still fire;
    the daemon's and the admin page's key is the plate's first three characters."""
    layout = DataLayout(data_dir)
    conn = open_web_db(layout)
    for day, query, case in ((10, "AA1", A), (11, "AA12", B), (12, "аа123вв", C), (12, "*123*", D)):
        audit.append(conn, ManualClock(local(day, 10)), actor="petro", ip="10.0.0.5",
                     action=AuditAction.SEARCH, target=query, case=case)
    conn.close()
    config = parse_config({"storage": {"path": str(data_dir)}, "oversight": RULES.model_dump()})
    text = log_summary(config, local(18))
    assert "1 plate(s) searched again by one user across cases" in text, text


def test_one_plate_searched_by_its_middle_under_changing_cases_is_flagged():
    """Wildcards in front (`*1234BB`, `?A1234BB`, `AA?1234BB`) leave a query without a typed start; such
    queries for one plate under three cases must still be one plate searched again (their digits are
    the plate's number), while the same digits typed in front of different plates' starts are not."""
    from datetime import timedelta

    from accounts.audit import AuditEntry
    from accounts.oversight import flags

    def searches(queries):
        return [AuditEntry(n + 1, local(14, 9) + timedelta(minutes=n), "petro", "10.0.0.5",
                           AuditAction.SEARCH, query, {}, case.number, "theft")
                for n, (query, case) in enumerate(queries)]

    found = flags(searches([("*1234BB", A), ("?А1234ВВ", B), ("AA?1234BB", C)]), RULES, plate_start)
    assert [(f.kind, f.entries) for f in found] == [(FlagKind.REPEATED_PLATE, (1, 2, 3))]
    assert flags(searches([("*123*", A), ("*12*", B), ("AA1*", C)]), RULES, plate_start) == []


def test_one_case_number_written_in_different_ways_is_one_case():
    """'ЄО 4', 'EO 4' (Latin letters), 'ЄО №4' and 'ЄО 04' are one journal number: spreading searches
    over its spellings must not hide a busy case, nor make one case look like several (which would
    flag an honest officer as following a plate across cases)."""
    from datetime import timedelta

    from accounts.audit import AuditEntry
    from accounts.oversight import flags

    spellings = ("ЄО 4", "EO 4", "ЄО №4", "ЄО 04")
    found = flags(
        [AuditEntry(n + 1, local(14, 9) + timedelta(minutes=n), "ivan", "10.0.0.5", AuditAction.SEARCH, "AA1",
                    {}, number, "theft") for n, number in enumerate(spellings)],
        RULES, plate_start,
    )
    assert [f.kind for f in found] == [FlagKind.BUSY_CASE]
    assert (found[0].searches, found[0].cases) == (4, 1)


FOLLOWED = (("ЄО 1", "*7123AA"), ("ЄО 2", "?E7123*"), ("ЄО 3", "8E7123"))  # one car, never its start typed


def _repeated_plate_flags(layout: DataLayout) -> list[Flag]:
    from datetime import UTC, timedelta

    now = datetime.now(UTC)
    found = read_flags(layout, RULES, now - timedelta(days=1), now + timedelta(minutes=1), plate_start)
    return [f for f in found if f.kind is FlagKind.REPEATED_PLATE]


def _seed_two_cars(layout: DataLayout) -> int:
    """BE7123AA and KA0550AI an hour ago; returns BE7123AA's sighting id."""
    from datetime import UTC, timedelta

    from webapp import seed_sighting

    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    followed = seed_sighting(layout, "road-north", "BE7123AA", an_hour_ago, pictures=False)
    seed_sighting(layout, "road-north", "KA0550AI", an_hour_ago, pictures=False)
    return followed


def test_one_plate_followed_by_wildcards_and_look_alikes_in_the_web_ui_is_flagged(web, data_dir):
    """A query that fixes no plate start (`*7123AA`, `?E7123*`) or types a look-alike (8E7 for BE7)
    finds the same car as typing its start would: its entry keeps the starts of the plates it found,
    and oversight folds look-alikes, so following one car that way under a new case each time is
    flagged like typing its start."""
    from webapp import choose_case

    layout = DataLayout(data_dir)
    _seed_two_cars(layout)
    police = web.client("police")
    for number, query in FOLLOWED:
        choose_case(police, number, "theft")
        assert police.get("/api/search", query_string={"q": query}).get_json()["count"] == 1, query
    (flag,) = _repeated_plate_flags(layout)
    assert (flag.actors, flag.searches, flag.cases) == (("police",), 3, 3)
    conn = open_web_db(layout)
    (latest, *_) = audit.entries(conn, action=AuditAction.SEARCH, limit=3)
    conn.close()
    assert "starts" not in latest.detail  # 8E7123 has a start of its own; the found plates are not kept


def test_one_plate_followed_by_wildcards_with_dozor_search_is_flagged(data_dir):
    from click.testing import CliRunner

    from dozor.cli import main

    layout = DataLayout(data_dir)
    _seed_two_cars(layout)
    config = data_dir / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n')
    for number, query in FOLLOWED:
        args = ["search", query, "--config", str(config), "--case", number, "--reason", "theft"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "BE7123AA" in result.output, result.output
    (flag,) = _repeated_plate_flags(layout)
    assert (flag.searches, flag.cases) == (3, 3)
    conn = open_web_db(layout)
    entries = audit.entries(conn, action=AuditAction.SEARCH, limit=3)
    conn.close()
    assert [e.detail.get("starts") for e in entries] == [None, ["BE7"], ["BE7"]]


def test_one_plate_followed_through_its_sighting_page_under_changing_cases_is_flagged(web, data_dir):
    """The sighting page shows its plate's route across every camera: opening one car's sighting (found
    through passes, the timeline or an alert, its plate never typed) under a new case each time is
    following that plate, and is flagged like searching it; a sighting's id is no plate."""
    from webapp import choose_case

    layout = DataLayout(data_dir)
    followed = _seed_two_cars(layout)
    police = web.client("police")
    for number, _query in FOLLOWED:
        choose_case(police, number, "theft")
        assert police.get(f"/sightings/{followed}").status_code == 200
    (flag,) = _repeated_plate_flags(layout)
    assert (flag.actors, flag.searches, flag.cases) == (("police",), 3, 3)

    from accounts.audit import AuditEntry
    from accounts.oversight import flags

    views = [AuditEntry(n, local(14, 9 + n), "ivan", "10.0.0.5", AuditAction.SIGHTING_VIEW, "123",
                        {"plate": plate}, case.number, "theft")
             for n, (plate, case) in enumerate((("AA1234BB", A), ("KA0550AI", B), ("BH5555XX", C)))]
    assert flags(views, RULES, plate_start) == []  # one sighting id, three plates: nobody followed
