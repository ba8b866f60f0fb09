"""A live stream lasts only as long as its viewer may watch: it stops within seconds when the account
is disabled, the password changes or the viewer signs out, and one user cannot hold more streams than
`[web] streams_per_user`."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from webapp import login, page_token, seed_recordings

from accounts.users import Accounts
from accounts.webdb import open_web_db
from edge.clock import SystemClock
from edge.layout import DataLayout
from webui.live_stream import CHECK_SECONDS, IDLE_SECONDS

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
