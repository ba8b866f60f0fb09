"""Helpers for tests of the web UI (like flask.testing): an app on a temporary data folder, the three
kinds of account, and signing in through the real login form with its CSRF token. Test-only, so it
lives here and not in the product; the `web` and `segment_file` fixtures of tests/conftest.py build on
it, and the browser tests and benchmarks import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from accounts.webdb import open_web_db
from edge.clock import Clock, ManualClock
from edge.config import Config, parse_config
from edge.layout import DataLayout

PASSWORDS = {"admin": "admin-pass-1", "police": "police-pass-1", "volunteer": "volunteer-pass-1"}
TEST_CASE = {"number": "12026100000000123", "reason": "theft", "note": ""}  # a valid case (edge.config)
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def make_config(data_dir: Path, cameras: list[dict[str, Any]] | None = None, **web: Any) -> Config:
    if cameras is None:
        cameras = [
            {"name": "road-north", "url": "rtsp://10.0.0.11/stream1", "title": "Північна дорога"},
            {"name": "village-square", "url": "rtsp://10.0.0.12/stream1", "title": "Площа"},
        ]
    return parse_config({"storage": {"path": str(data_dir)}, "web": web, "cameras": cameras})


def add_standard_users(data_dir: Path, clock: Clock | None = None) -> dict[str, str]:
    """One account per role, named after the role; returns name -> password."""
    from accounts.users import Accounts

    conn = open_web_db(DataLayout(data_dir))
    try:
        accounts = Accounts(conn, clock or ManualClock())
        for role, password in PASSWORDS.items():
            accounts.add(role, role, password)
    finally:
        conn.close()
    return dict(PASSWORDS)


class WebSite:
    """The web UI on one data folder with one account per role: `app(...)` builds an app, `client(role)`
    a test client signed in through the login form."""

    def __init__(self, data_dir: Path, clock: Clock | None = None):
        self.data_dir = data_dir
        add_standard_users(data_dir, clock)

    def app(self, *, clock: Clock | None = None, config: Config | None = None, **web: Any) -> Any:
        from webui import create_app

        return create_app(config or make_config(self.data_dir, **web), clock=clock)

    def client(
        self,
        role: str | None = None,
        *,
        app: Any = None,
        case: dict[str, str] | None = TEST_CASE,
        **options: Any,
    ) -> Any:
        """Signed in as `role`; police and admins then choose `case` through the case form, as they must
        before plate data (pass case=None to stay without one)."""
        client = (app or self.app(**options)).test_client()
        if role is not None:
            login(client, role)
            if role in ("police", "admin") and case is not None:
                choose_case(client, **case)
        return client


def csrf_token(html: str) -> str:
    match = _CSRF_RE.search(html)
    if not match:
        raise AssertionError("no CSRF token in the page")
    return match.group(1) or match.group(2)


def login(client: Any, username: str, password: str | None = None, next_url: str = "") -> Any:
    """Sign in through /login like a browser: fetch the form, post it with its token."""
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password if password is not None else PASSWORDS[username],
            "csrf_token": token,
            "next": next_url,
        },
    )


def choose_case(client: Any, number: str, reason: str, note: str = "") -> Any:
    """Choose the session's case through /case like a browser."""
    token = csrf_token(client.get("/case").get_data(as_text=True))
    return client.post("/case", data={"number": number, "reason": reason, "note": note, "csrf_token": token})


def signed_in(app: Any, role: str, ip: str | None = None) -> Any:
    """A test client signed in as the standard user `role` (from `ip`, if given), with the test case
    chosen where plate data asks for one."""
    client = app.test_client()
    if ip is not None:
        client.environ_base["REMOTE_ADDR"] = ip
    assert login(client, role).status_code == 302
    if role in ("police", "admin"):
        choose_case(client, **TEST_CASE)
    return client


def page_token(client: Any, path: str = "/login") -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


# ---- recorded video for tests: segment files as the recorder writes them, and their catalog rows ----

RECORDER_MOVFLAGS = "+frag_keyframe+empty_moov+default_base_moof"  # recorder.segment_writer.MUX_OPTIONS


def make_segment_file(
    path: Path, seconds: float, *, size: str = "640x360", fps: int = 25, gop_seconds: float = 2.0
) -> Path:
    """An H.264 fragmented MP4 like the recorder's (1 s fragments), with a moving test picture and
    the running time burnt in, encoded by ffmpeg."""
    import subprocess

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate={fps}",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "zerolatency",
            "-g",
            str(int(fps * gop_seconds)),
            "-bf",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            RECORDER_MOVFLAGS,
            "-frag_duration",
            "1000000",
            str(path),
        ],
        check=True,
        timeout=300,
    )
    return path


def add_segment_row(catalog: Any, layout: DataLayout, camera: str, begin: Any) -> tuple[int, Path]:
    """A catalog row for a 640x360 H.264 segment of `camera` starting at `begin` (a UTC datetime), as the
    recorder adds it when it opens the file, and that file's path (its folder made, the file not)."""
    from recorder.catalog import NewSegment

    path = layout.segment_file(camera, begin)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = NewSegment(camera=camera, start=begin, path=layout.relative(path), codec="h264", width=640,
                     height=360, audio_codec=None)
    return catalog.add_segment(new), path


def seed_recordings(
    layout: DataLayout,
    camera: str,
    start: Any,
    count: int,
    seconds: float = 60.0,
    *,
    template: Path | None = None,
    recording_last: bool = False,
) -> list[int]:
    """`count` back-to-back segments of `camera` from `start` (a UTC datetime), files and catalog rows.
    The file is encoded once and copied (pass `template` to reuse one across calls)."""
    import shutil
    from datetime import timedelta

    from recorder.catalog import Catalog

    if template is None:
        template = make_segment_file(layout.root / ".template.mp4", seconds)
    catalog = Catalog(layout)
    ids = []
    try:
        for n in range(count):
            begin = start + timedelta(seconds=n * seconds)
            segment_id, path = add_segment_row(catalog, layout, camera, begin)
            shutil.copyfile(template, path)
            last = recording_last and n == count - 1
            catalog.update_segment(
                segment_id,
                start=begin,
                end=begin + timedelta(seconds=seconds),
                size=path.stat().st_size,
                complete=not last,
            )
            ids.append(segment_id)
    finally:
        catalog.close()
    return ids


# ---- plate data for tests and screenshots, through plate_index's own functions ----


def plate_picture(text: str, width: int = 320) -> Any:
    """A white plate with black text and a blue UA strip (what a crop looks like), as a BGR array."""
    import cv2
    import numpy as np

    height = width * 2 // 9
    image = np.full((height, width, 3), 255, np.uint8)
    cv2.rectangle(image, (0, 0), (width - 1, height - 1), (0, 0, 0), 3)
    cv2.rectangle(image, (3, 3), (width // 10, height - 4), (180, 80, 0), -1)
    cv2.putText(image, "UA", (6, height - 10), cv2.FONT_HERSHEY_SIMPLEX, width / 900, (0, 220, 255), 2)
    cv2.putText(
        image, text, (width // 8, height * 3 // 4), cv2.FONT_HERSHEY_DUPLEX, width / 330, (0, 0, 0), 3
    )
    return image


def scene_picture(text: str, moment: Any) -> Any:
    """A road-like scene with the plate pasted in and the time written in a corner."""
    import cv2
    import numpy as np

    scene = np.zeros((360, 640, 3), np.uint8)
    scene[:] = (90, 95, 100)
    cv2.rectangle(scene, (0, 200), (640, 360), (60, 60, 60), -1)
    cv2.rectangle(scene, (200, 150), (440, 300), (40, 40, 140), -1)
    if text:
        plate = plate_picture(text, 160)
        scene[260 : 260 + plate.shape[0], 240 : 240 + plate.shape[1]] = plate
    cv2.putText(
        scene,
        moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        (420, 350),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6,
        (255, 255, 255),
        1,
    )
    return scene


def seed_sighting(
    layout: DataLayout,
    camera: str,
    plate: str,
    first_seen: Any,
    *,
    confidence: float = 0.93,
    alternatives: list[str] | None = None,
    region: str | None = "ua",
    pictures: bool = True,
    direction: str = "unknown",
) -> int:
    """One sighting in plates.db with its crop and scene JPEGs, written by plate_index itself."""
    from edge.clock import to_epoch
    from plate_index.images import write_sighting_images
    from plate_index.store import NewSighting, insert_sighting, open_store

    start = to_epoch(first_seen)
    crop_path = scene_path = None
    if pictures:
        crop_path, scene_path = write_sighting_images(
            layout, camera, start, plate_picture(plate), scene_picture(plate, first_seen)
        )
    conn = open_store(layout.plates_db)
    try:
        return insert_sighting(
            conn,
            NewSighting(
                camera=camera,
                plate=plate,
                first_seen=start,
                last_seen=start + 2.5,
                confidence=confidence,
                reads=5,
                alternatives=alternatives or [],
                region=region,
                region_confidence=0.9 if region else None,
                crop_path=crop_path,
                scene_path=scene_path,
                direction=direction,
            ),
        )
    finally:
        conn.close()


def read_plate(layout: DataLayout, camera: str, plate: str, first_seen: Any = None) -> int:
    """What the LPR worker does at a car's first credible read (plate_index.publish): the sighting
    stored with its pictures and checked against the watchlist, raising its alerts. Returns its id."""
    import queue
    from datetime import UTC, datetime

    from edge.clock import SystemClock, to_epoch
    from plate_index.grouping import PlateRead, SightingGrouper
    from plate_index.publish import SightingWriter
    from plate_index.store import open_store

    moment = first_seen or datetime.now(UTC)
    read = PlateRead(camera, to_epoch(moment), plate, (0.95,) * len(plate), 0.95)
    sighting, _ = SightingGrouper(4.0).add(read, (plate_picture(plate), scene_picture(plate, moment)))
    conn = open_store(layout.plates_db)
    try:
        SightingWriter(conn, layout, queue.SimpleQueue(), {}, SystemClock()).publish(sighting)
    finally:
        conn.close()
    return int(sighting.stored_id)


def write_live_picture(layout: DataLayout, camera: str, text: str, moment: Any = None) -> Path:
    """The picture the recorder keeps in live_dir for the grid: a road scene with the camera's name and
    the time, replaced atomically like the recorder does."""
    import os
    from datetime import UTC, datetime

    import cv2

    moment = moment or datetime.now(UTC)
    image = scene_picture("", moment)
    cv2.putText(image, text, (10, 340), cv2.FONT_HERSHEY_DUPLEX, 0.9, (255, 255, 255), 2)
    layout.live_dir.mkdir(parents=True, exist_ok=True)
    path = layout.live_dir / f"{camera}.jpg"
    ok, data = cv2.imencode(".jpg", image)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data.tobytes())
    os.replace(temporary, path)
    return path


def seed_pass(
    layout: DataLayout,
    camera: str,
    moment: Any,
    *,
    read: bool = False,
    box: tuple[int, int, int, int] = (300, 250, 380, 270),
) -> int:
    """A plate pass as plate reading stores it (plate_index.passes): three views of a plate moving
    right, the middle one widest (its picture's moment, 0.2 s after `moment`). Returns its id."""
    from edge.clock import to_epoch
    from plate_index.passes import Pass, PlateView, insert_pass
    from plate_index.store import open_store

    start = to_epoch(moment)
    x1, y1, x2, y2 = box
    views = [
        PlateView(start, (x1 - 20, y1, x2 - 30, y2), read, 0.5 if read else 0.0),
        PlateView(start + 0.2, box, read, 0.9 if read else 0.0),
        PlateView(start + 0.4, (x1 + 20, y1, x2 + 10, y2), False, 0.0),
    ]
    conn = open_store(layout.plates_db)
    try:
        insert_pass(conn, Pass(camera, views))
        return int(conn.execute("SELECT max(id) FROM passes").fetchone()[0])
    finally:
        conn.close()


@contextmanager
def audit_log_refuses() -> Iterator[None]:
    """While inside, every audit entry fails as on a locked web.db or a full disk: what must then not
    happen is whatever the entry would have told of."""
    import sqlite3

    import pytest

    from accounts import audit

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise sqlite3.OperationalError("database is locked")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "append", locked)
        yield
