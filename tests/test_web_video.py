"""Recorded and live video: segments around a moment, byte ranges straight from the segment files (no
transcoding), video views audited, and the live stream following the file the recorder is writing."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from webapp import seed_recordings

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from edge.clock import SystemClock
from edge.layout import DataLayout
from recorder.reasons import OutageReason, Reason
from webui.fmp4 import boxes, codec_string, init_segment
from webui.live_stream import follow


@pytest.fixture(scope="module")
def template(segment_file):
    return segment_file(10)


@pytest.fixture
def recorded(web, data_dir, template):
    layout = DataLayout(data_dir)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    ids = seed_recordings(layout, "road-north", start, 3, 10, template=template)
    from recorder.catalog import Catalog

    catalog = Catalog(layout)
    catalog.close_outage(
        catalog.open_outage("road-north", start + timedelta(seconds=30), Reason(OutageReason.NO_VIDEO, "10")),
        start + timedelta(seconds=50),
    )
    catalog.close()
    client = web.client("police")
    return client, start, ids, layout


def test_segments_around_a_moment_come_with_outages(recorded):
    client, start, ids, _ = recorded
    moment = quote((start + timedelta(seconds=12)).isoformat())
    data = client.get(f"/api/recordings/road-north/segments?from={moment}").get_json()
    assert [s["id"] for s in data["segments"]] == ids[1:]
    assert data["outages"][0]["reason"] == "no_video:10"
    assert data["segments"][0]["url"] == f"/video/segments/{ids[1]}.mp4"


def test_segment_file_is_served_as_is_with_byte_ranges(recorded, template):
    client, _, ids, _ = recorded
    whole = client.get(f"/video/segments/{ids[0]}.mp4")
    assert whole.status_code == 200 and whole.data == template.read_bytes()
    part = client.get(f"/video/segments/{ids[0]}.mp4", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{template.stat().st_size}"
    assert part.data == template.read_bytes()[1000:2000]
    assert part.headers["Accept-Ranges"] == "bytes"


def test_opening_a_segment_is_audited_once_not_per_range(recorded):
    client, _, ids, layout = recorded
    client.get(f"/video/segments/{ids[0]}.mp4", headers={"Range": "bytes=0-"})
    for offset in (5000, 10000, 20000):
        client.get(f"/video/segments/{ids[0]}.mp4", headers={"Range": f"bytes={offset}-"})
    views = audit.entries(open_web_db(layout), action=AuditAction.VIDEO_VIEW)
    assert len(views) == 1 and views[0].detail["segment"] == ids[0]


def test_unknown_segment_and_camera_are_404(recorded):
    client, *_ = recorded
    assert client.get("/video/segments/999.mp4").status_code == 404
    assert client.get("/api/recordings/nope/segments").status_code == 404


def test_recordings_page_shows_the_outage(recorded):
    client, start, _, _ = recorded
    page = client.get(f"/recordings?camera=road-north&at={quote((start + timedelta(seconds=5)).isoformat())}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="outage"' in html and "немає відео 10 с" in html


def test_codec_string_comes_from_the_init_segment(template):
    assert codec_string(init_segment(template)).startswith("avc1.")


def test_live_stream_sends_init_then_new_fragments_and_follows_into_the_next_file(
    tmp_path, template, monkeypatch
):
    """A writer appends fragments of a real file to segment one, then starts segment two; the stream
    carries each file's init segment and, in order, the newest fragment at start and all later ones."""
    monkeypatch.setattr("webui.live_stream.IDLE_SECONDS", 2.0)
    with template.open("rb") as handle:
        parts = list(boxes(handle))
    data = template.read_bytes()
    init = data[: next(b.end for b in parts if b.type == "moov")]
    fragments = [
        data[moof.offset : mdat.end]
        for moof, mdat in zip(parts, parts[1:], strict=False)
        if moof.type == "moof" and mdat.type == "mdat"
    ]
    one, two = tmp_path / "one.mp4", tmp_path / "two.mp4"
    one.write_bytes(init + fragments[0] + fragments[1])  # already recording when the viewer arrives
    current = {"path": one}

    def recorder():
        for fragment in fragments[2:5]:
            time.sleep(0.3)
            with one.open("ab") as out:
                out.write(fragment)
        two.write_bytes(init)
        current["path"] = two
        for fragment in fragments[0:3]:
            time.sleep(0.3)
            with two.open("ab") as out:
                out.write(fragment)

    thread = threading.Thread(target=recorder)
    thread.start()
    received = b"".join(follow(lambda: current["path"], SystemClock()))  # ends 2 s after the last data
    thread.join()
    expected = init + fragments[1] + b"".join(fragments[2:5]) + init + b"".join(fragments[0:3])
    assert received == expected
