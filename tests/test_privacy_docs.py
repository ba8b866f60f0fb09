"""The data-protection pack (issue 14, item 5): docs/data-protection.{uk,en}.md are generated from the
config (the committed ones from config.example.toml) and this test fails when they drift from it or from
the config schema; a person's "is my plate stored?" is answered by a lookup that is itself audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.config import CameraConfig, Config, load_config, parse_config
from edge.layout import DataLayout
from edge.privacy_docs import CAMERA_KEYS, LANGUAGES, SECTIONS, WEB_KEYS, file_name, render, settings_rows
from plate_index.store import NewSighting, insert_sighting, open_store

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.example.toml"
# Camera keys kept out of the pack: addresses that may hold credentials, tuning, the road's direction labels.
NEVER_WRITTEN = {"url", "lpr_url", "live_url", "motion", "directions"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_pack_is_what_the_example_config_generates(language):
    committed = (REPO / "docs" / file_name(language)).read_text(encoding="utf-8")
    assert committed == render(load_config(EXAMPLE), language), (
        "docs/ drifted from the config: run `dozor privacy-docs --config config.example.toml --out docs`")


def test_every_key_of_the_schema_the_pack_rests_on_is_listed():
    """A key added to one of these sections (or to [[cameras]]) changes the pack, so the committed docs
    fail the test above until regenerated; a camera key must be listed or deliberately kept out."""
    config = load_config(EXAMPLE)
    listed = "\n".join(settings_rows(config))
    for section in SECTIONS:
        for key in type(getattr(config, section)).model_fields:
            assert f"`{section}.{key}`" in listed, f"{section}.{key}"
    assert all(f"`web.{key}`" in listed for key in WEB_KEYS)
    assert set(CameraConfig.model_fields) == set(CAMERA_KEYS) | NEVER_WRITTEN, "classify the new camera key"
    assert set(Config.model_fields) >= set(SECTIONS)


def test_the_pack_says_who_sees_plate_data_and_what_outlives_the_retention_as_the_code_does():
    """The pack must not understate access: administrators may search plates and watch video with a
    case like police (webui.access.PLATE_ROLES), and the audit log, never deleted, names the plates
    searched or viewed (a search's entry keeps its text); watchlist entries are kept while listed and a
    retention period after they end (plate_index.store.prune, tests/test_plate_watchlist.py)."""
    from accounts.users import Role
    from webui.access import PLATE_ROLES

    assert Role.ADMIN in PLATE_ROLES  # what the words below describe
    english = render(load_config(EXAMPLE), "en")
    assert "| Who sees plate data | police and administrators, with a case" in english
    assert "Police officers and administrators with an account" in english
    assert "like police, they search plates and watch recorded video only after stating a case" in english
    assert "the audit log of access (which names the plates searched or viewed) is kept" in english
    assert "watchlist entries while listed and 14 days after they are removed or expire" in english
    assert "Records older than" not in english  # the audit log is a record older than that
    ukrainian = render(load_config(EXAMPLE), "uk")
    assert "| Хто бачить дані про номери | поліція й адміністратори, зі справою" in ukrainian
    assert "Поліцейські та адміністратори з обліковим записом" in ukrainian
    assert "журнал аудиту доступу (у ньому видно номери, які шукали чи переглядали) зберігається" in ukrainian
    assert "записи списку розшуку — поки вони в списку і ще 14 днів після видалення" in ukrainian


def test_the_pack_follows_the_config_and_never_shows_camera_addresses(tmp_path):
    config = parse_config({
        "storage": {"retention_days": 9}, "access": {"max_hold_days": 30, "require_case": False},
        "privacy": {"controller": "Tatarbunary city council"},
        "cameras": [{"name": "gate", "url": "rtsp://admin:s3cret@10.0.0.9/s", "looks_at": "the market gate"}],
    })
    for language in LANGUAGES:
        text = render(config, language)
        assert "Tatarbunary city council" in text and "the market gate" in text
        assert "9 " in text.split("##")[2] and "30 " in text.split("##")[2]  # the sign's retention and hold
        assert "require_case = false" in text
        assert "s3cret" not in text and "10.0.0.9" not in text
    result = CliRunner().invoke(main, ["privacy-docs", "--config", str(EXAMPLE), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for language in LANGUAGES:
        written = (tmp_path / file_name(language)).read_text(encoding="utf-8")
        assert written == render(load_config(EXAMPLE), language)


def test_a_node_of_a_shared_index_says_where_its_plate_reads_go_and_never_the_index_password():
    """Issue 17: with [index] url the plate reads are copied to the hub; the pack names the hub's host,
    never the address's password; an appliance alone says nothing of it."""
    config = parse_config({"index": {"url": "postgresql://dozor:s3cret@hub.severynivka.lan:5432/dozor"}})
    for language in LANGUAGES:
        text = render(config, language)
        assert "`hub.severynivka.lan`" in text and "PostgreSQL" in text
        assert "s3cret" not in text and "5432" not in text
        assert "PostgreSQL" not in render(load_config(EXAMPLE), language)


@pytest.fixture
def site(tmp_path, data_dir):
    conn = open_store(DataLayout(data_dir).plates_db)
    now = 1_795_000_000.0  # the sightings are in the store whatever today's date
    for minute, plate in ((1, "AA1234BB"), (2, "AA1234BC"), (3, "AA1234BB"), (4, "BE7123AA")):
        at = now + minute * 60
        insert_sighting(conn, NewSighting("road-north", plate, at, at + 2, 0.9, 4))
    conn.close()
    path = tmp_path / "dozor.toml"
    path.write_text(f'[storage]\npath = "{data_dir}"\n[[cameras]]\nname = "road-north"\nurl = "rtsp://10.0.0.1/s"\n')
    return path


def test_a_persons_plate_lookup_answers_and_is_audited(site, data_dir):
    found = CliRunner().invoke(main, ["subject-lookup", "аа 1234 вв", "--config", str(site),
                                      "--request", "letter 17/2026"])
    assert found.exit_code == 0, found.output
    assert "AA1234BB: stored, 2 sighting(s)" in found.output
    assert "AA1234BC" not in found.output and "BE7123AA" not in found.output  # no other plate
    nothing = CliRunner().invoke(main, ["subject-lookup", "KA0000XX", "--config", str(site),
                                        "--request", "18"])
    assert nothing.exit_code == 0 and "KA0000XX: not stored" in nothing.output
    second, first = audit.entries(open_web_db(DataLayout(data_dir)), action=AuditAction.SUBJECT_LOOKUP)
    assert first.target == "AA1234BB"
    assert first.detail == {"via": "cli", "request": "letter 17/2026", "results": 2}
    assert (second.target, second.detail["results"]) == ("KA0000XX", 0)
    assert CliRunner().invoke(main, ["subject-lookup", "AA1234BB", "--config", str(site)]).exit_code == 2


def test_the_admin_page_answers_a_persons_request_and_audits_it(web, site, data_dir):
    from datetime import UTC, datetime

    from webapp import page_token

    from edge.clock import ManualClock

    config = load_config(site)
    admin = web.client("admin", config=config, clock=ManualClock(datetime(2026, 11, 18, 9, tzinfo=UTC)))
    token = page_token(admin, "/admin/subject-lookup")
    refused = admin.post("/admin/subject-lookup", data={"csrf_token": token, "plate": "AA1234BB"})
    assert "Вкажіть посилання на запит" in refused.get_data(as_text=True)
    page = admin.post("/admin/subject-lookup", data={"csrf_token": token, "plate": "аа1234вв",
                                                      "request": "letter 17"}).get_data(as_text=True)
    assert "AA1234BB зберігається: 2 проїзди." in page
    assert "AA1234BC" not in page and "BE7123AA" not in page and "<img" not in page
    (entry,) = audit.entries(open_web_db(DataLayout(data_dir)), action=AuditAction.SUBJECT_LOOKUP)
    assert (entry.actor, entry.target) == ("admin", "AA1234BB")
    assert entry.detail == {"request": "letter 17", "results": 2}
    assert admin.post("/admin/subject-lookup", data={"plate": "AA1234BB", "request": "x"}).status_code == 400
    police = web.client("police", config=config)
    assert police.get("/admin/subject-lookup").status_code == 403
