"""The aiming page in Chromium: an admin starts watching a plate camera (the real RTSP server, the real
models) and sees the analysed picture, each plate's figures and the verdict refresh by themselves, in
Ukrainian, with the page's script allowed by the CSP (no inline code) and no plate text."""

from __future__ import annotations

import threading

import pytest
from recording import wait_until
from webapp import PASSWORDS, add_standard_users

from edge.config import parse_config

pytestmark = [pytest.mark.slow, pytest.mark.shared]


@pytest.fixture
def aim_site(aim_clip_set, rtsp_server, model_dir, data_dir):
    from webui import create_app
    from webui.server import WebServer

    server = rtsp_server({"gate": aim_clip_set["sharp"].path})
    config = parse_config({
        "storage": {"path": str(data_dir)},
        "lpr": {"model_dir": str(model_dir), "threads_per_worker": 1},
        "cameras": [{"name": "gate", "url": server.url("gate"), "title": "Брама"}],
    })
    add_standard_users(data_dir)
    app = create_app(config)
    web = WebServer(app, "127.0.0.1", 0, threads=8)
    threading.Thread(target=web.run, daemon=True).start()
    yield f"http://127.0.0.1:{web.effective_port}", aim_clip_set["sharp"]
    app.extensions["dozor_aim"].stop("gate")
    web.close()


def test_admin_sees_the_plates_figures_and_verdict_refresh_live(page, aim_site):
    url, clip = aim_site
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORDS["admin"])
    page.click("button[type=submit].primary")
    page.goto(url + "/admin/aim/gate")
    page.click("text=Почати спостереження")
    page.locator("#aim-passes tbody tr").first.wait_for(timeout=60000)  # the CSP allows no eval'd waits
    picture = page.locator("#aim-picture")
    loaded = wait_until(lambda: picture.evaluate("img => img.naturalWidth") == 1280, 20, 0.3)
    assert loaded, "the analysed picture did not load"
    status = page.text_content("#aim-status")
    assert "спостереження: залишилось" in status
    row = page.locator("#aim-passes tbody tr").first.text_content()
    assert "прочитано" in row or "не прочитано" in row
    assert page.text_content("#aim-stream").startswith("Потік: 1280×720")
    assert page.locator("#aim-advice li").count() >= 1
    body = page.content()
    for car in clip.passes:
        assert car.plate not in body
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    page.click("text=Зупинити")
    # the page reloads, then polls once more
    ended = wait_until(lambda: page.text_content("#aim-status") == "завершено", 20, 0.3)
    assert ended, page.text_content("#aim-status")
