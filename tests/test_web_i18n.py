"""Ukrainian by default, English on request: every text has a translation and the compiled catalog
matches its source."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from webapp import TEST_CASE, choose_case, login, page_token

import webui

WEBUI = Path(webui.__file__).parent
PO = WEBUI / "translations" / "uk" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def source_texts() -> set[str]:
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEBUI), METHODS, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_of_the_ui_has_a_ukrainian_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if isinstance(m.id, str) and m.id and m.string}
    translated |= {m.id[0] for m in catalog if m.pluralizable and all(m.string)}  # every plural form
    missing = source_texts() - translated
    assert not missing, f"untranslated (see webui/translations/README.md): {sorted(missing)}"


def test_compiled_catalog_matches_its_source():
    def plain(text):  # a plural message's forms come as a list from the .mo, a tuple from the .po
        return text if isinstance(text, str) else tuple(text)

    with PO.open("rb") as handle:
        po = {plain(m.id): plain(m.string) for m in read_po(handle) if m.id}
    with PO.with_suffix(".mo").open("rb") as handle:
        mo = {plain(m.id): plain(m.string) for m in read_mo(handle) if m.id}
    assert mo == po, "run: .venv/bin/pybabel compile -d webui/translations"


@pytest.fixture
def app(web):
    return web.app()


def test_pages_are_ukrainian_by_default_and_english_after_switching(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="uk"' in page and "Увійти" in page and "Ім'я користувача" in page
    token = page_token(client)
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page and "Увійти" not in page
    login(client, "police")
    choose_case(client, **TEST_CASE)
    page = client.get("/search").get_data(as_text=True)
    assert "Plate search" in page, "the choice survives signing in"


def test_config_can_make_english_the_default(web):
    app = web.app(language="en")
    assert "Sign in" in app.test_client().get("/login").get_data(as_text=True)


def test_messages_from_the_server_follow_the_language(app):
    client = app.test_client()
    login(client, "police")
    choose_case(client, **TEST_CASE)
    assert "3 символи" in client.get("/api/search?q=B").get_json()["error"]
    token = page_token(client, "/search")
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/search"})
    assert "at least 3 characters" in client.get("/api/search?q=B").get_json()["error"]
    refused = client.get("/api/search?q=БЕ7").get_json()["error"]
    assert "'Б' cannot be on a plate" in refused
    assert "at most 10 characters" in client.get("/api/search?q=BE7123456789").get_json()["error"]


def test_durations_read_like_people_say_them(app):
    from webui.i18n import format_age

    with app.test_request_context():
        assert format_age(13 * 86400 + 22 * 3600 + 59) == "13 д 22 год"
        assert format_age(5 * 3600 + 3 * 60) == "5 год 3 хв"
        assert format_age(42) == "42 с"


def test_every_outage_reason_has_a_ukrainian_text():
    from recorder.reasons import OutageReason
    from webui.reasons import TEXTS

    with PO.open("rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    assert set(TEXTS) == set(OutageReason), "every code needs a text in webui/reasons.py"
    untranslated = [code for code, text in TEXTS.items() if text._args[0] not in translated]
    assert not untranslated, f"no Ukrainian text for {untranslated}"


def test_every_audit_action_has_a_label_in_ukrainian():
    from accounts.audit import AuditAction
    from webui.i18n import ACTION_LABELS

    with PO.open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert set(ACTION_LABELS) == set(AuditAction)
    assert all(label._args[0] in translated for label in ACTION_LABELS.values())


def test_every_oversight_flag_has_a_label_in_ukrainian():
    from accounts.oversight import FlagKind
    from webui.i18n import FLAG_LABELS

    with PO.open("rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert set(FLAG_LABELS) == set(FlagKind)
    assert all(label._args[0] in translated for label in FLAG_LABELS.values())


def test_every_account_refusal_has_a_text_in_ukrainian(app):
    from accounts.passwords import Weakness
    from accounts.users import AccountError, AccountProblem
    from webui.blueprints.users import ACCOUNT_MESSAGES, account_message

    assert set(ACCOUNT_MESSAGES) == set(Weakness) | (set(AccountProblem) - {AccountProblem.OTHER})
    with app.test_request_context():
        for code in ACCOUNT_MESSAGES:
            shown = account_message(AccountError("the English message", code))
            assert any("а" <= c <= "я" or c in "іїєґ" for c in shown.lower()), (code, shown)


def test_counts_take_the_plural_forms_of_each_language(app):
    """"1 днів" / "1 days" was shown: counts go through ngettext and the catalog's plural forms."""
    from flask_babel import force_locale, ngettext

    with app.test_request_context():
        with force_locale("uk"):
            days = {n: ngettext("%(num)d day", "%(num)d days", n) for n in (1, 3, 5, 11, 21, 22)}
            assert days == {1: "1 день", 3: "3 дні", 5: "5 днів", 11: "11 днів", 21: "21 день", 22: "22 дні"}
            sightings = ngettext("%(num)d sighting in 7 days", "%(num)d sightings in 7 days", 2)
            assert sightings == "2 проїзди за 7 днів"
        with force_locale("en"):
            assert ngettext("kept %(num)d day", "kept %(num)d days", 1) == "kept 1 day"
            sightings = ngettext("%(num)d sighting in 7 days", "%(num)d sightings in 7 days", 14)
            assert sightings == "14 sightings in 7 days"
