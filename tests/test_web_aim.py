"""The aiming aid in the admin UI: a live picture with the plate boxes and their figures, from a real RTSP
stream and the real models; admins only, each admin audited once per session, no plate text in what
the page polls, one session at a time."""

from __future__ import annotations

import pytest
from recording import wait_until
from webapp import page_token

from accounts import audit
from accounts.audit import AuditAction
from edge.config import parse_config

pytestmark = [pytest.mark.slow, pytest.mark.shared]


@pytest.fixture
def aim_app(aim_clip_set, model_dir, rtsp_server, web, data_dir):
    clip = aim_clip_set["sharp"]  # plates 150 px wide, sharp (tests/aim_fixtures.py)
    server = rtsp_server({"gate": clip.path})
    config = parse_config({
        "storage": {"path": str(data_dir)},
        "lpr": {"model_dir": str(model_dir), "threads_per_worker": 1},
        "cameras": [{"name": "gate", "url": server.url("gate"), "title": "Брама"},
                    {"name": "yard", "url": "rtsp://127.0.0.1:9/none"},
                    {"name": "square", "url": "rtsp://127.0.0.1:9/none", "lpr": False}],
    })
    app = web.app(config=config)
    yield app, clip
    app.extensions["dozor_aim"].stop("gate")


def test_admin_watches_plates_live_and_is_audited_once(aim_app, web):
    app, clip = aim_app
    admin = web.client("admin", app=app)
    index = admin.get("/admin/aim").get_data(as_text=True)
    assert "/admin/aim/gate" in index and "/admin/aim/yard" in index and "/admin/aim/square" not in index
    assert admin.get("/admin/aim/square").status_code == 404  # plate reading is off there
    assert admin.get("/admin/aim/gate/picture.jpg").status_code == 404  # nothing watched yet
    assert admin.get("/api/admin/aim/gate").get_json() == {"status": "none"}
    token = page_token(admin, "/admin/aim/gate")
    started = admin.post("/admin/aim/gate/start", data={"csrf_token": token, "minutes": "2"})
    assert started.status_code == 302

    def aim_state() -> dict:
        return admin.get("/api/admin/aim/gate").get_json()

    wait_until(lambda: aim_state()["seen"] >= 1, 60, 0.5)
    state = aim_state()
    assert state["status"] == "running" and state["seen"] >= 1, state
    plate = state["passes"][0]
    assert 120 <= plate["width"] <= 180 and plate["read"] and plate["confidence"] > 0.5
    assert state["stream"]["width"] == 1280 and state["advice"]
    body = admin.get("/api/admin/aim/gate").get_data(as_text=True)
    for car in clip.passes:
        assert car.plate not in body

    for _ in range(3):  # the page refreshes the picture every second
        picture = admin.get("/admin/aim/gate/picture.jpg")
        assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
        assert picture.data[:2] == b"\xff\xd8" and picture.headers["Cache-Control"] == "no-store"
    page = admin.get("/admin/aim/gate").get_data(as_text=True)
    assert "aim-picture" in page and "Брама" in page
    with app.app_context():
        from webui.context import web_db

        seen = audit.entries(web_db(), action=AuditAction.AIM_VIEW)
    assert [(e.actor, e.target) for e in seen] == [("admin", "gate")]

    for role in ("police", "volunteer"):
        other = web.client(role, app=app)
        assert other.get("/admin/aim/gate/picture.jpg").status_code == 403
        assert other.get("/api/admin/aim/gate").status_code == 403
        assert other.get("/admin/aim/gate").status_code == 403

    busy = admin.post("/admin/aim/yard/start", data={"csrf_token": token, "minutes": "1"})
    assert busy.status_code == 302 and "busy=gate" in busy.headers["Location"]
    refused = admin.get(busy.headers["Location"]).get_data(as_text=True)
    assert "Триває інший сеанс наведення (камера gate)" in refused  # Ukrainian, the default

    assert admin.post("/admin/aim/gate/stop", data={"csrf_token": token}).status_code == 302
    assert wait_until(lambda: aim_state()["status"] == "finished", 20, 0.5), "the session did not stop"
