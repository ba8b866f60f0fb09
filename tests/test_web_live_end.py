"""A live stream lasts only as long as its viewer may watch: it stops within seconds when the account
is disabled, the password changes or the viewer signs out, and one user cannot hold more streams than
`[web] streams_per_user`."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from recording import wait_until
from webapp import login, page_token, seed_recordings

from accounts.users import Accounts
from accounts.webdb import open_web_db
from edge.clock import ManualClock, SystemClock
from edge.layout import DataLayout
from webui.live_stream import CHECK_SECONDS, IDLE_SECONDS, MAX_SECONDS
from webui.sessions import DbSessionInterface

pytestmark = pytest.mark.slow


@pytest.fixture
def app(web, data_dir, segment_file):
    layout = DataLayout(data_dir)
    seed_recordings(layout, "road-north", datetime.now(UTC) - timedelta(seconds=10), 1, 6,
                    template=segment_file(6), recording_last=True)
    return web.app(streams_per_user=2)


def watch(client):
    """Open the live stream and read it on a thread of its own, as the server does (the response's
    generator runs in the request's context); returns events: started (200), ended."""
    started, ended = threading.Event(), threading.Event()

    def read():
        response = client.get("/live/road-north/stream", buffered=False)
        if response.status_code == 200:
            started.set()
            for _chunk in response.response:
                pass
        response.close()
        ended.set()

    threading.Thread(target=read, daemon=True).start()
    assert started.wait(10), "the stream did not start"
    return ended


def _disable(data_dir):
    Accounts(open_web_db(DataLayout(data_dir)), SystemClock()).set_active("volunteer", False)


def _new_password(data_dir):
    accounts = Accounts(open_web_db(DataLayout(data_dir)), SystemClock())
    accounts.set_password("volunteer", "new-volunteer-pass-7")


def _sign_out(client):
    client.post("/logout", data={"csrf_token": page_token(client, "/live")})


@pytest.mark.parametrize("end", ["disable", "password", "sign-out"])
def test_the_stream_stops_within_seconds_when_the_viewer_may_no_longer_watch(app, data_dir, end):
    viewer = app.test_client()
    login(viewer, "volunteer")
    ended = watch(viewer)
    time.sleep(0.5)
    assert not ended.is_set()
    began = time.monotonic()
    {"disable": lambda: _disable(data_dir), "password": lambda: _new_password(data_dir),
     "sign-out": lambda: _sign_out(viewer)}[end]()
    assert ended.wait(CHECK_SECONDS + 3), "the stream went on"
    assert time.monotonic() - began < IDLE_SECONDS / 2, "ended by the check, not by the idle camera"


def test_one_user_holds_at_most_streams_per_user_and_an_ended_stream_frees_its_slot(app, monkeypatch):
    monkeypatch.setattr("webui.live_stream.IDLE_SECONDS", 3.0)  # the seeded camera sends nothing new
    viewers = [app.test_client() for _ in range(3)]
    for client in viewers:
        login(client, "volunteer")
    endings = [watch(client) for client in viewers[:2]]
    refused = viewers[2].get("/live/road-north/stream")
    assert refused.status_code == 429 and "Забагато відкритих відео" in refused.get_json()["error"]
    other_user = app.test_client()
    login(other_user, "police")
    assert not watch(other_user).is_set(), "another user has slots of their own"
    assert endings[0].wait(10)
    assert not watch(viewers[2]).is_set(), "the slot of the ended stream is free again"


@pytest.fixture
def night(web, data_dir, segment_file):
    """A volunteer's app on a manual clock, and `recording()`: a segment of the camera recording now."""
    clock = ManualClock(datetime.now(UTC))

    def recording():
        seed_recordings(DataLayout(data_dir), "road-north", clock.now() - timedelta(seconds=5), 1, 6,
                        template=segment_file(6), recording_last=True)

    recording()
    app = web.app(clock=clock)
    viewer = app.test_client()
    login(viewer, "volunteer")
    return app, clock, viewer, recording


def test_a_live_view_watched_for_its_30_minutes_does_not_sign_the_viewer_out(night):
    """live_stream.MAX_SECONDS (30 min) equals the default idle timeout; the page reconnects a second
    after a stream's end and must find its viewer still signed in (the single view polls nothing else)."""
    app, clock, viewer, recording = night
    stream = viewer.get("/live/road-north/stream", buffered=False)
    assert stream.status_code == 200
    next(iter(stream.response))
    clock.advance(MAX_SECONDS)  # the stream runs its course ...
    stream.close()
    clock.advance(1)  # ... and live_single.js reconnects a second later
    recording()
    again = viewer.get("/live/road-north/stream", buffered=False)
    status = again.status_code
    again.close()
    assert status == 200, f"the reconnect after one full live stream answered {status} (signed out)"


def test_watching_one_camera_all_night_keeps_the_volunteer_signed_in(night, monkeypatch):
    """Two hours of one live view (the stream's own checks every CHECK_SECONDS are its only activity):
    still signed in for another page; the session still ends at session_max_hours."""
    app, clock, viewer, recording = night
    monkeypatch.setattr("webui.live_stream.IDLE_SECONDS", 10**6)  # the seeded camera sends nothing new
    sessions, checks = app.session_interface, []

    def counted(session, conn):
        checks.append(clock.now())
        return DbSessionInterface.keep_alive(sessions, session, conn)

    monkeypatch.setattr(sessions, "keep_alive", counted)
    for _stream in range(4):  # MAX_SECONDS each; the page reconnects at once
        ended = watch(viewer)
        while not ended.is_set():
            seen = len(checks)
            clock.advance(60)
            checked = lambda seen=seen, ended=ended: len(checks) > seen or ended.is_set()  # noqa: E731
            assert wait_until(checked, 10), "the stream stopped checking"
        clock.advance(1)  # live_single.js reconnects a second after the end
        recording()  # the recorder went on meanwhile
    assert viewer.get("/live").status_code == 200, "signed out after two hours of watching"
    clock.advance(13 * 3600)  # past session_max_hours (12)
    assert viewer.get("/live").status_code == 302
