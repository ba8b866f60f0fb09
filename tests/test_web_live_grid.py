"""The moving grid's routes and "the last 30 s" (issue 15, item 9), on the Flask app with real segment
files: who may open them, how far back a replay reaches, what is audited, and what the grid's stream
carries (webui.live_grid's messages)."""

from __future__ import annotations

import shutil
import struct
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from webapp import make_config, seed_recordings

from accounts import audit
from accounts.webdb import open_web_db
from edge.layout import DataLayout
from recorder.live_relay import relay_dir
from webui.fmp4 import fragments_from
from webui.live_grid import DATA, START

CAMERAS = [
    {"name": "road-north", "url": "rtsp://10.0.0.11/main", "live_url": "rtsp://10.0.0.11/sub"},
    {"name": "village-square", "url": "rtsp://10.0.0.12/main"},
]


@pytest.fixture
def site(web, data_dir, segment_file):
    layout = DataLayout(data_dir)
    now = datetime.now(UTC)
    template = segment_file(10)
    old = seed_recordings(layout, "road-north", now - timedelta(minutes=10), 1, 10, template=template)
    recent = seed_recordings(layout, "road-north", now - timedelta(seconds=25), 3, 10, template=template,
                             recording_last=True)
    web.layout, web.old, web.recent, web.template = layout, old, recent, template
    web.config = make_config(data_dir, cameras=CAMERAS)
    return web


def _entries(layout: DataLayout, action: str) -> list[audit.AuditEntry]:
    conn = open_web_db(layout)
    try:
        return audit.entries(conn, action=action, limit=50)
    finally:
        conn.close()


def test_anonymous_users_get_nothing_of_the_grid_or_a_replay(site):
    client = site.app(config=site.config).test_client()
    assert client.get("/api/live/road-north/replay").status_code == 401
    assert client.get("/live/road-north/replay").status_code == 302
    assert client.get(f"/live-replay/{site.recent[0]}.mp4").status_code == 302
    assert client.get("/live-grid/stream?cameras=road-north").status_code == 302


@pytest.mark.parametrize("role", ["volunteer", "police", "admin"])
def test_everyone_who_sees_the_grid_replays_the_last_30_s_and_only_that(site, role):
    client = site.client(role, config=site.config, case=None)  # live-grid-level: no case asked for
    page = client.get("/live/road-north/replay")
    assert page.status_code == 200 and b'id="player"' in page.data
    listed = client.get("/api/live/road-north/replay").get_json()
    assert [s["id"] for s in listed["segments"]] == site.recent  # not the one from 10 minutes ago
    [entry] = [e for e in _entries(site.layout, "live_replay") if e.actor == role]
    assert entry.target == "road-north" and entry.detail["segments"] == site.recent

    video = client.get(listed["segments"][0]["url"])
    assert video.status_code == 200 and video.mimetype == "video/mp4"
    assert len(video.data) == fragments_from(site.template, 0)[1]  # whole fragments only
    assert len(_entries(site.layout, "live_replay")) == 1  # the replay's entry covers its files
    assert client.get(f"/live-replay/{site.old[0]}.mp4").status_code == 404  # older video: not here


def test_volunteers_still_get_no_recordings_but_through_a_replay(site):
    client = site.client("volunteer", config=site.config)
    assert client.get(f"/video/segments/{site.recent[0]}.mp4").status_code == 403
    assert client.get("/api/recordings/road-north/segments").status_code == 403
    assert client.get(f"/live-replay/{site.old[0]}.mp4").status_code == 404


def test_asking_for_a_live_picture_not_written_yet_asks_the_recorder_for_one(site):
    """Nobody watching, the recorder makes no live pictures after its start-up one; a camera that had
    none (offline when the daemon started) gets one when a grid asks for it: the ask marks it watched."""
    client = site.client("volunteer", config=site.config)
    site.layout.live_dir.mkdir(parents=True, exist_ok=True)  # the recorder makes it when it starts
    assert not (site.layout.live_dir / "village-square.jpg").exists()
    assert client.get("/live/village-square.jpg").status_code == 404
    assert (site.layout.live_dir / "village-square.watched").exists()
    assert client.get("/live/nowhere.jpg").status_code == 404
    assert not (site.layout.live_dir / "nowhere.watched").exists()  # a camera the config does not have


def test_the_grid_stream_takes_only_cameras_with_a_sub_stream(site):
    client = site.client("volunteer", config=site.config)
    for query in ("", "cameras=village-square", "cameras=road-north,road-north",
                  "cameras=" + ",".join(["road-north"] * 10)):
        assert client.get(f"/live-grid/stream?{query}").status_code == 400, query
    assert client.get("/live-grid/stream?cameras=nowhere").status_code == 404


def _read_messages(response, count: int) -> list[tuple[int, int, bytes]]:
    buffer, out = b"", []
    for chunk in response.response:
        buffer += chunk
        while len(buffer) >= 6:
            tile, kind, length = struct.unpack(">BBI", buffer[:6])
            if len(buffer) < 6 + length:
                break
            out.append((tile, kind, buffer[6:6 + length]))
            buffer = buffer[6 + length:]
        if len(out) >= count:
            return out
    return out


def test_the_grid_stream_forwards_the_sub_stream_and_is_audited_as_live_video(site):
    folder = relay_dir(site.layout, "road-north")
    folder.mkdir(parents=True)
    shutil.copyfile(site.template, folder / "00000000000000000001-000001.mp4")  # what the relay writes
    client = site.client("volunteer", config=site.config)
    response = client.get("/live-grid/stream?cameras=road-north", buffered=False)
    assert response.status_code == 200
    got: list = []
    reader = threading.Thread(target=lambda: got.extend(_read_messages(response, 2)), daemon=True)
    reader.start()
    reader.join(10)
    response.close()
    (tile, kind, codec), (tile2, kind2, data) = got[:2]
    assert (tile, kind, tile2, kind2) == (0, START, 0, DATA)
    assert codec.decode().startswith("avc1.")
    assert data[4:8] == b"ftyp"  # the init segment first, then fragments
    assert (site.layout.live_dir / "road-north.sub.watched").exists()  # the recorder's relay is asked for
    [entry] = _entries(site.layout, "live_view")
    assert (entry.actor, entry.target, entry.detail["kind"]) == ("volunteer", "road-north", "grid")


def test_a_grid_whose_cameras_send_nothing_still_writes_so_a_gone_browser_frees_its_slot(monkeypatch):
    """The server notices a closed connection only when it writes: with every camera silent, the grid
    stream writes a PING every PING_SECONDS instead of holding its thread for MAX_SECONDS."""
    from edge.clock import SystemClock
    from webui import live_grid

    monkeypatch.setattr(live_grid, "PING_SECONDS", 0.5)
    messages = live_grid.multiplex([lambda: None, lambda: None], SystemClock())
    began = time.monotonic()
    first = next(messages)
    messages.close()
    assert struct.unpack(">BBI", first[:6]) == (0, live_grid.PING, 0)
    assert time.monotonic() - began < 1.0
