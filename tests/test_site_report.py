"""The site acceptance report: its figures match the catalog and the plate store exactly, it is printable
HTML in Ukrainian and English, and it carries no plate text (every seeded plate is searched for).

The stores are written through the recorder's and plate reading's own writers (Catalog, insert_pass,
insert_sighting); the expected figures are computed here from the seeds, not from the report's code.
"""

from __future__ import annotations

import re
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from webapp import make_config, seed_sighting

from dozor.cli import main
from edge.clock import to_epoch
from edge.layout import DataLayout
from edge.time_sync import TimeSync
from health.site_report import build_report
from plate_index.passes import Pass, PlateView, insert_pass
from plate_index.store import open_store
from recorder.catalog import CameraStatus, Catalog, NewSegment
from recorder.reasons import OutageReason, Reason

PLATES = ["BE7123AA", "AA1234KX", "KA0055CT", "BH9090HB"]
ALTERNATIVES = ["BE7123AH", "AA1284KX"]
CAMERAS = [
    {"name": "gate", "url": "rtsp://u:secret@10.0.0.11/s", "title": "Брама"},
    {"name": "yard", "url": "rtsp://10.0.0.12/s", "title": "Двір", "lpr": False},
    {"name": "spare", "url": "rtsp://10.0.0.13/s", "enabled": False},
]
# (camera, minutes after the period's start, minutes long, bytes)
SEGMENTS = [("gate", 10, 60, 450_000_000), ("gate", 70, 60, 460_000_000), ("gate", 130, 30, 230_000_000),
            ("yard", 20, 60, 90_000_000), ("yard", 80, 45, 70_000_000)]
# (camera, minutes after the start, minutes long or None = still offline, reason)
OUTAGES = [("gate", 160, 12.5, Reason(OutageReason.CONNECTION_REFUSED)),
           ("yard", 125, None, Reason(OutageReason.TIMED_OUT)),
           ("yard", 5, 3, Reason(OutageReason.UNAUTHORIZED))]
# (minutes after the start, width px, read)
PASSES = [(11, 96, True), (12, 130, True), (15, 88, False), (40, 142, True), (61, 120, False),
          (75, 150, True), (100, 110, True)]


@pytest.fixture
def site(data_dir):
    """A site four hours into its period: two cameras recorded, outages, plates seen and read."""
    config = make_config(data_dir, cameras=CAMERAS)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(hours=4)
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    for number, (camera, at, minutes, size) in enumerate(SEGMENTS):
        begin = start + timedelta(minutes=at)
        path = f"segments/{camera}/{number}.mp4"
        segment = catalog.add_segment(NewSegment(camera, begin, path, "h264", 1920, 1080, None))
        catalog.update_segment(segment, start=begin, end=begin + timedelta(minutes=minutes), size=size,
                               complete=True)
    for camera, at, minutes, reason in OUTAGES:
        outage = catalog.open_outage(camera, start + timedelta(minutes=at), reason)
        if minutes is not None:
            catalog.close_outage(outage, start + timedelta(minutes=at + minutes))
    catalog.set_status(CameraStatus("gate", "online", start, None, 25.0, 1000.0, now, 0, now))
    timed_out = Reason(OutageReason.TIMED_OUT)
    catalog.set_status(CameraStatus("yard", "offline", start, timed_out, 0, 0, None, 0, now))
    catalog.close()
    conn = open_store(layout.plates_db)
    for at, width, read in PASSES:
        moment = to_epoch(start + timedelta(minutes=at))
        far = PlateView(moment, (0, 0, width // 2, 10), False, 0.2)
        near = PlateView(moment + 0.4, (0, 0, width, 20), read, 0.9 if read else 0.3)
        insert_pass(conn, Pass("gate", [far, near]))
    conn.close()
    for number, plate in enumerate(PLATES):
        seed_sighting(layout, "gate", plate, start + timedelta(minutes=11 + number),
                      alternatives=ALTERNATIVES if number == 0 else None, pictures=False)
    return config, start, now


def expected_hours(camera: str) -> float:
    return sum(minutes for cam, _at, minutes, _size in SEGMENTS if cam == camera) / 60


def expected_kbps(camera: str) -> float:
    rows = [(minutes, size) for cam, _at, minutes, size in SEGMENTS if cam == camera]
    return sum(size for _m, size in rows) * 8 / 1000 / sum(m * 60 for m, _s in rows)


def test_the_figures_are_the_stores_figures(site):
    config, start, now = site
    report = build_report(config, start, now, now, sync=TimeSync(True, 12.0))
    cameras = {c.name: c for c in report.cameras}
    gate, yard, spare = cameras["gate"], cameras["yard"], cameras["spare"]
    assert gate.online and not yard.online and not spare.online and not spare.enabled
    assert gate.recorded_hours == pytest.approx(expected_hours("gate"), abs=1e-9) == 2.5
    assert yard.recorded_hours == pytest.approx(expected_hours("yard"), abs=1e-9) == 1.75
    assert gate.kbps == pytest.approx(expected_kbps("gate"), rel=1e-12)
    assert (gate.outages, gate.outage_minutes) == (1, pytest.approx(12.5))
    still_off = (now - (start + timedelta(minutes=125))).total_seconds() / 60
    assert (yard.outages, yard.outage_minutes) == (2, pytest.approx(3 + still_off))
    assert [o.camera for o in report.outages] == ["yard", "gate", "yard"]  # longest first
    assert (gate.passes_seen, gate.plates_read) == (len(PASSES), sum(1 for p in PASSES if p[2]))
    assert gate.median_plate_width == statistics.median(w for _a, w, _r in PASSES)
    assert yard.passes_seen is None and yard not in report.lpr_cameras
    per_day = (expected_kbps("gate") + expected_kbps("yard")) * 1000 / 8 * 86400
    assert report.disk.gb_per_day == pytest.approx(per_day / 1e9, rel=1e-12)
    recorded = sum(size for *_x, size in SEGMENTS)
    assert report.disk.recorded_gb == recorded / 1e9
    usable = recorded + report.disk.free_gb * 1e9 - config.storage.min_free_gb * 1e9
    assert report.disk.days_held == pytest.approx(usable / per_day, rel=1e-9)
    assert report.disk.unmeasured == []


def test_a_period_cuts_segments_and_outages_at_its_edges(site):
    config, start, now = site
    since = start + timedelta(minutes=40)  # inside gate's first segment (10-70) and yard's (20-80)
    report = build_report(config, since, now, now, sync=TimeSync(True, 1.0))
    cameras = {c.name: c for c in report.cameras}
    assert cameras["gate"].recorded_hours == pytest.approx((30 + 60 + 30) / 60)
    assert cameras["yard"].recorded_hours == pytest.approx((40 + 45) / 60)
    assert cameras["yard"].outages == 1  # the early one ended before the period
    assert cameras["gate"].passes_seen == 4  # first seen at 40, 61, 75, 100 minutes


def figure(html: str, attribute: str, camera: str | None = None) -> str:
    scope = html
    if camera is not None:
        rows = re.findall(rf'<tr data-camera="{camera}">(.*?)</tr>', html, re.S)
        scope = "".join(rows)
    return re.findall(rf'data-{attribute}="([^"]*)"', scope)


def test_site_report_command_writes_printable_html_in_both_languages_without_plate_text(site, tmp_path):
    config, _start, _now = site
    config_file = tmp_path / "dozor.toml"
    config_file.write_text(
        f'[storage]\npath = "{config.storage.path}"\n'
        + "".join(f'[[cameras]]\nname = "{c["name"]}"\nurl = "{c["url"]}"\ntitle = "{c.get("title", "")}"\n'
                  f'lpr = {str(c.get("lpr", True)).lower()}\n'
                  f'enabled = {str(c.get("enabled", True)).lower()}\n' for c in CAMERAS)
    )
    pages = {}
    for language in ("uk", "en"):
        out = tmp_path / f"report-{language}.html"
        result = CliRunner().invoke(main, ["site-report", "--config", str(config_file), "--hours", "24",
                                           "--lang", language, "--out", str(out)])
        assert result.exit_code == 0, result.output
        pages[language] = out.read_text(encoding="utf-8")
    assert "Звіт про приймання" in pages["uk"] and "Камери" in pages["uk"]
    assert "Site acceptance report" in pages["en"] and "Plates read" in pages["en"]
    for page in pages.values():
        assert page.startswith("<!doctype html>") and "<style>" in page and "@media print" in page
        assert "<script" not in page and "href=" not in page  # a file handed over depends on nothing
        assert figure(page, "hours", "gate") == [f"{expected_hours('gate'):.2f}"]
        assert figure(page, "hours", "yard") == [f"{expected_hours('yard'):.2f}"]
        assert figure(page, "outages", "gate") == ["1"] and figure(page, "outages", "yard") == ["2"]
        assert figure(page, "seen", "gate") == [str(len(PASSES))]
        assert figure(page, "read", "gate") == [str(sum(1 for p in PASSES if p[2]))]
        assert figure(page, "width", "gate") == [str(float(statistics.median(w for _a, w, _r in PASSES)))]
        for text in PLATES + ALTERNATIVES:
            assert text not in page
            assert text.lower() not in page.lower()
        assert "secret" not in page


def test_time_source_and_disk_findings_say_what_to_do(site):
    config, start, now = site
    from webui.site_report_page import render_report_file

    synced = render_report_file(build_report(config, start, now, now, sync=TimeSync(True, 12.0)), "en")
    assert "The clock is synchronised to a time source (error at most 12 ms)." in synced
    unsynced = render_report_file(build_report(config, start, now, now, sync=TimeSync(False, 16000.0)), "en")
    assert "The clock is NOT synchronised" in unsynced and "timedatectl set-ntp true" in unsynced
    report = build_report(config, start, now, now, sync=TimeSync(True, 1.0))
    held = report.disk.days_held
    text = f"holds {held:.1f} days" if held >= 14 else f"holds only {held:.1f} days"
    assert text in render_report_file(report, "en")
    assert figure(render_report_file(report, "uk"), "days") == [f"{held:.2f}"]


def test_admin_page_shows_the_report_and_offers_the_file_others_are_refused(site, web):
    config, _start, _now = site
    app = web.app(config=config)
    admin = web.client("admin", app=app)
    page = admin.get("/admin/site-report?hours=24")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert figure(html, "hours", "gate") == [f"{expected_hours('gate'):.2f}"]
    assert 'href="/static/css/report.css"' in html and "<style>" not in html  # the CSP allows no inline style
    for text in PLATES + ALTERNATIVES:
        assert text not in html
    download = admin.get("/admin/site-report.html")
    assert download.headers["Content-Disposition"].startswith('attachment; filename="site-report-')
    assert "<style>" in download.get_data(as_text=True)
    for role in ("police", "volunteer"):
        other = web.client(role, app=app)
        assert other.get("/admin/site-report").status_code == 403
        assert other.get("/admin/site-report.html").status_code == 403
