"""The aiming page in Chromium: an admin starts watching a plate camera (the real RTSP server, the real
models) and sees the analysed picture, each plate's figures and the verdict refresh by themselves, in
Ukrainian, with the page's script allowed by the CSP (no inline code) and no plate text; on a 1280 px
screen, with a Stop button that can be seen; and a session whose page was closed ends soon after, not
minutes later (it holds the camera's connection, the models and half a core of the web service)."""

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
    yield f"http://127.0.0.1:{web.effective_port}", aim_clip_set["sharp"], app
    app.extensions["dozor_aim"].stop("gate")
    web.close()


def _start_watching(page, url: str) -> None:
    page.goto(url + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORDS["admin"])
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda now: not now.endswith("/login"))  # a goto now would cancel the sign-in
    response = page.goto(url + "/admin/aim/gate")
    assert response is not None and response.ok, f"the aiming page answered {response and response.status}"
    page.click("text=Почати спостереження")


def _picture_loaded(page, seconds: float) -> bool:
    picture = page.locator("#aim-picture")
    return wait_until(lambda: picture.evaluate("img => img.naturalWidth") == 1280, seconds, 0.3)


def test_admin_sees_the_plates_figures_and_verdict_refresh_live(page, aim_site):
    url, clip, _app = aim_site
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    _start_watching(page, url)
    page.locator("#aim-passes tbody tr").first.wait_for(timeout=60000)  # the CSP allows no eval'd waits
    assert _picture_loaded(page, 20), "the analysed picture did not load"
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


# WCAG's contrast ratio of an element's text on what is behind it (its own background, else the page's)
CONTRAST = """element => {
  const rgb = text => text.match(/[\\d.]+/g).map(Number);
  const light = ([r, g, b]) => [r, g, b].map(c => c / 255)
    .map(c => c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const own = rgb(getComputedStyle(element).backgroundColor);
  const page = rgb(getComputedStyle(document.body).backgroundColor);
  const behind = own.length === 4 && own[3] === 0 ? page : own;
  const [a, b] = [light(rgb(getComputedStyle(element).color)), light(behind)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_the_stop_button_can_be_seen_and_the_picture_fits_a_1280_px_screen(page, aim_site):
    url, _clip, _app = aim_site
    page.set_viewport_size({"width": 1280, "height": 900})
    _start_watching(page, url)
    assert _picture_loaded(page, 30), "the analysed picture did not load"
    stop = page.get_by_role("button", name="Зупинити")
    assert stop.is_visible()
    assert stop.evaluate(CONTRAST) >= 4.5  # WCAG AA for text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    picture = page.locator("#aim-picture").bounding_box()
    assert picture is not None and picture["x"] + picture["width"] <= 1280


def test_the_session_ends_soon_after_its_page_was_closed_and_not_while_it_is_open(page, aim_site):
    from webui.aim_sessions import ABANDONED_SECONDS

    assert ABANDONED_SECONDS <= 30  # what the page's user waits at most; the test uses a shorter one
    url, _clip, app = aim_site
    sessions = app.extensions["dozor_aim"]
    sessions.abandoned_after = 4.0
    _start_watching(page, url)
    assert _picture_loaded(page, 30), "the analysed picture did not load"
    running = sessions.of("gate")
    page.wait_for_timeout(3 * sessions.abandoned_after * 1000)  # the open page keeps it going
    assert not running.session.done and running.session.state().status == "running"
    page.close()  # the installer closes the tab (the session was for 5 minutes)
    ended = wait_until(lambda: running.session.done, sessions.abandoned_after + 15, 0.5)
    assert ended, f"still watching {sessions.abandoned_after + 15:.0f} s after the page was closed"
