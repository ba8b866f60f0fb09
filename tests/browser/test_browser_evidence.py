"""Issue 15, item 7, in a real browser: evidence exported from a sighting carries the sighting (plate
picture, scene, facts, id) named in its manifest; the zip's SHA-256 is shown after the download and is
the one in the audit entry; the export form from the menu holds the last 10 minutes; a sighting report
prints without the menus, video and forms."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime

import pytest
from browser_support import audit_entries, sign_in, start_site
from webapp import PASSWORDS, TEST_CASE

from accounts.audit import AuditAction

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory, segment_template):
    running = start_site(tmp_path_factory.mktemp("evidence-site"), segment_template, live_camera=None)
    yield running
    running.close()


def test_an_export_from_a_sighting_carries_it_and_the_zips_sha256_is_shown_and_audited(page, site, tmp_path):
    sighting = site.sightings["BE7123AA"]
    sign_in(page, site, "police", PASSWORDS["police"])
    page.goto(f"{site.url}/sightings/{sighting}")
    page.click("text=Експортувати це відео як доказ")
    page.wait_for_url("**/export?*")
    assert str(sighting) in page.locator("#export-sighting").inner_text()
    page.fill("#reason", "справа 12/345")
    with page.expect_download() as download:
        page.click("#export-form button[type=submit]")
    path = tmp_path / "evidence.zip"
    download.value.save_as(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    archive = zipfile.ZipFile(path)
    manifest = json.loads(archive.read("manifest.json"))
    named = manifest["sighting"]
    assert named["id"] == sighting and named["plate"] == "BE7123AA" and named["camera"] == "road-north"
    files = named["files"]
    assert set(files) == {"plate_picture", "scene_picture", "facts"}
    assert archive.read(files["plate_picture"])[:2] == b"\xff\xd8"  # JPEG
    assert archive.read(files["scene_picture"])[:2] == b"\xff\xd8"
    facts = json.loads(archive.read(files["facts"]))
    assert facts["id"] == sighting and facts["plate"] == "BE7123AA" and facts["reads"] >= 1
    sums = dict(reversed(line.split("  ")) for line in archive.read("SHA256SUMS").decode().splitlines())
    assert set(sums) == set(archive.namelist()) - {"SHA256SUMS"}
    for name, expected in sums.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == expected, name

    page.wait_for_selector("#export-receipt[data-state=done]")
    assert page.locator("#export-sha256").inner_text() == digest
    assert page.locator("#export-receipt-text").inner_text() == download.value.suggested_filename
    entry = audit_entries(site, AuditAction.EXPORT)[0]
    assert entry.detail["sha256"] == digest and entry.detail["sighting"] == sighting
    assert entry.detail["plate"] == "BE7123AA"


def test_the_export_form_from_the_menu_holds_the_last_ten_minutes(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.click("nav.mainnav >> text=Експорт")
    page.wait_for_url("**/export")
    start = datetime.fromisoformat(page.locator("#start").input_value().replace("Z", "+00:00"))
    end = datetime.fromisoformat(page.locator("#end").input_value().replace("Z", "+00:00"))
    assert (end - start).total_seconds() == 600
    assert abs((datetime.now(UTC) - end).total_seconds()) < 60
    assert page.locator("#start-local").input_value() and page.locator("#end-local").input_value()
    assert page.locator("#export-sighting").count() == 0


def test_a_sighting_report_prints_its_facts_and_pictures_without_the_menus_and_video(page, site):
    sighting = site.sightings["BE7123AA"]
    sign_in(page, site, "police", PASSWORDS["police"])
    page.goto(f"{site.url}/sightings/{sighting}")
    assert page.locator("#print-report").is_visible() and not page.locator("#report-head").is_visible()
    page.emulate_media(media="print")
    for hidden in (".topbar", "#player", "#scrubber", "#hold-sighting", "#print-report"):
        assert not page.locator(hidden).is_visible(), hidden
    head = page.locator("#report-head")
    assert head.is_visible()
    text = head.inner_text()
    assert str(sighting) in text and "police" in text and TEST_CASE["number"] in text, text
    assert page.locator("#sighting-id").inner_text() == str(sighting)
    assert page.locator("img.crop").is_visible() and page.locator("img.scene").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000, len(pdf)
