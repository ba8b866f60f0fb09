"""What the browser tests and the screenshot script share: Debian's Chromium driven by Playwright (no
browser download), the web UI served by webui.server on a free port in a thread, and a realistic data
folder (cameras, recordings, sightings with pictures, live pictures, a segment being written)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from recording import get_json, succeeds, wait_until
from webapp import (
    PASSWORDS,
    TEST_CASE,
    add_segment_row,
    add_standard_users,
    make_config,
    make_segment_file,
    seed_recordings,
    seed_sighting,
    write_live_picture,
)

from edge.config import Config
from edge.layout import DataLayout
from recorder.reasons import OutageReason, Reason
from webui.fmp4 import boxes

CHROMIUM = os.environ.get("DOZOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CAMERAS = [
    {
        "name": "road-north",
        "title": "Північна дорога",
        "directions": {"towards": "на Одесу", "away": "у село"},
    },
    {"name": "village-square", "title": "Площа"},
    {"name": "school", "title": "Школа"},
    {"name": "bridge", "title": "Міст"},
    {"name": "shop", "title": "Магазин"},
]
OFFLINE_CAMERA = "bridge"


def admin_pages(site: Site) -> list[str]:
    """The pages an admin reads (besides search): where a browser test looks at every text."""
    return [
        f"/sightings/{site.sightings['BE7123AA']}",
        "/recordings?camera=road-north",
        "/export",
        "/cameras",
        "/admin",
        "/admin/users",
        "/admin/audit",
    ]
SEGMENT_SECONDS = 60


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@dataclass
class Site:
    """A running web UI over a seeded data folder."""

    url: str
    layout: DataLayout
    config: Config
    sightings: dict[str, int]
    now: datetime
    server: Any = None
    threads: list[threading.Thread] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.stop.set()
        if self.server is not None:
            self.server.close()
        for thread in self.threads:
            thread.join(timeout=10)


def seed_site(data_dir: Path, template: Path) -> tuple[Config, dict[str, int], datetime]:
    """Accounts, 10 minutes of recordings on road-north, sightings on several cameras, statuses."""
    from recorder.catalog import CameraStatus, Catalog

    add_standard_users(data_dir)
    layout = DataLayout(data_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(seconds=10 * SEGMENT_SECONDS)
    seed_recordings(layout, "road-north", start, 10, SEGMENT_SECONDS, template=template)
    sightings = {
        "BE7123AA": seed_sighting(
            layout, "road-north", "BE7123AA", now - timedelta(minutes=6), confidence=0.94
        ),
        "BE7123AA@square": seed_sighting(layout, "village-square", "BE7123AA", now - timedelta(minutes=4)),
        "BE7555KX": seed_sighting(
            layout,
            "road-north",
            "BE7555KX",
            now - timedelta(minutes=8),
            confidence=0.88,
            alternatives=["8E7555KX"],
        ),
        "8E7009CT": seed_sighting(layout, "school", "8E7009CT", now - timedelta(minutes=30), confidence=0.71),
        "AA1234BB": seed_sighting(layout, "shop", "AA1234BB", now - timedelta(hours=2)),
        "KA0550AI": seed_sighting(layout, "road-north", "KA0550AI", now - timedelta(hours=26)),
    }
    catalog = Catalog(layout)
    try:
        catalog.open_outage(OFFLINE_CAMERA, now - timedelta(minutes=40), Reason(OutageReason.TIMED_OUT))
        for camera in CAMERAS:
            offline = camera["name"] == OFFLINE_CAMERA
            catalog.set_status(
                CameraStatus(
                    camera=camera["name"],
                    state="offline" if offline else "online",
                    since=now - (timedelta(minutes=40) if offline else timedelta(days=3, hours=5)),
                    reason=Reason(OutageReason.TIMED_OUT) if offline else None,
                    fps=0 if offline else 25.0,
                    kbps=0 if offline else 1980.0,
                    last_packet=now - timedelta(minutes=40) if offline else now,
                    tap_drops=0 if offline else 2,
                    updated=now + timedelta(days=1),  # never stale during a test
                )
            )
    finally:
        catalog.close()
    write_live_pictures(layout)
    cameras = [{**c, "url": f"rtsp://10.0.0.{i + 11}/stream1"} for i, c in enumerate(CAMERAS)]
    return make_config(data_dir, cameras=cameras), sightings, now


def write_live_pictures(layout: DataLayout) -> None:
    for camera in CAMERAS:
        if camera["name"] != OFFLINE_CAMERA:
            write_live_picture(layout, camera["name"], camera["name"])


def refresh_live_pictures(layout: DataLayout, stop: threading.Event) -> None:
    """Stand-in for the recorder's live snapshots: a new picture per camera every second."""
    while not stop.wait(1.0):
        write_live_pictures(layout)


def grow_segment(layout: DataLayout, template: Path, camera: str, stop: threading.Event) -> None:
    """Stand-in for the recorder's segment writer: copies a real fragmented MP4 into a new segment file
    fragment by fragment at real-time pace (1 s fragments), keeping its catalog row up to date."""
    from recorder.catalog import Catalog

    with template.open("rb") as handle:
        parts = list(boxes(handle))
    data = template.read_bytes()
    init_end = next(b.end for b in parts if b.type == "moov")
    fragments = [(b.offset, b.end) for b in parts if b.offset >= init_end]
    catalog = Catalog(layout)
    try:
        while not stop.is_set():
            begin = datetime.now(UTC)
            segment_id, path = add_segment_row(catalog, layout, camera, begin)
            with path.open("wb") as out:
                out.write(data[:init_end])
                out.flush()
                pending = b""
                for offset, end in fragments:
                    pending += data[offset:end]
                    if data[offset + 4 : offset + 8] != b"mdat":
                        continue
                    out.write(pending)
                    out.flush()
                    pending = b""
                    catalog.update_segment(segment_id, start=begin, end=datetime.now(UTC), size=out.tell())
                    if stop.wait(1.0):
                        break
            catalog.update_segment(
                segment_id, start=begin, end=datetime.now(UTC), size=path.stat().st_size, complete=True
            )
    finally:
        catalog.close()


def start_site(data_dir: Path, template: Path, *, live_camera: str | None = "road-north") -> Site:
    from webui.server import build_server

    config, sightings, now = seed_site(data_dir, template)
    server = build_server(config, threads=12, host="127.0.0.1", port=0)
    site = Site(
        url=f"http://127.0.0.1:{server.effective_port}",
        layout=DataLayout(data_dir),
        config=config,
        sightings=sightings,
        now=now,
        server=server,
    )
    serving = threading.Thread(target=server.run, name="web-server", daemon=True)
    serving.start()
    site.threads.append(serving)
    pictures = threading.Thread(target=refresh_live_pictures, args=(site.layout, site.stop), daemon=True)
    pictures.start()
    site.threads.append(pictures)
    if live_camera:
        writer = threading.Thread(
            target=grow_segment,
            args=(site.layout, template, live_camera, site.stop),
            name="fake-recorder",
            daemon=True,
        )
        writer.start()
        site.threads.append(writer)
    _wait_for(site.url + "/healthz")
    return site


def _wait_for(url: str, seconds: float = 10) -> None:
    assert wait_until(succeeds(lambda: get_json(url)), seconds, interval=0.1), f"{url} did not answer"


def sign_in(page: Any, site: Site, user: str, password: str, case: dict[str, str] | None = TEST_CASE) -> None:
    """Sign in through the form; when plate data asks for a case first, choose `case` (None: don't)."""
    page.goto(site.url + "/login")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    if case is not None and urlsplit(page.url).path == "/case":
        choose_case_in(page, case)


def choose_case_in(page: Any, case: dict[str, str]) -> None:
    """Fill the case form the browser is on, and send it."""
    page.fill("#number", case["number"])
    page.select_option("#reason", case["reason"])
    page.fill("#note", case.get("note", ""))
    page.click("#case-form button[type=submit]")
    page.wait_for_load_state()


def make_template(folder: Path) -> Path:
    path = folder / "segment-template.mp4"
    if not path.exists():
        make_segment_file(path, SEGMENT_SECONDS)
    return path


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def search_as(page: Any, site: Site, user: str, query: str = "ве7", rows: int = 3) -> None:
    """Sign in as `user` (police or admin), type `query` into plate search and wait for `rows` results."""
    sign_in(page, site, user, PASSWORDS[user])
    page.wait_for_url("**/search")
    page.fill("#q", query)
    page.locator("#results tbody tr").nth(rows - 1).wait_for()


def audit_entries(site: Site, action: str, actor: str = "police", limit: int = 10) -> list[Any]:
    """The site's audit entries of `action` by `actor`, newest first."""
    from accounts import audit
    from accounts.webdb import open_web_db

    conn = open_web_db(site.layout)
    try:
        return audit.entries(conn, actor=actor, action=action, limit=limit)
    finally:
        conn.close()


@contextmanager
def recorder_and_web(config: Config) -> Iterator[str]:
    """The real recorder and the web UI under webui.server on `config`; yields the web UI's url."""
    from recorder.service import Recorder
    from webui.server import build_server

    recorder = Recorder(config)
    recorder.start()
    web = build_server(config, threads=12, host="127.0.0.1", port=0)
    thread = threading.Thread(target=web.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{web.effective_port}"
    finally:
        web.close()
        recorder.stop()
        thread.join(timeout=10)
