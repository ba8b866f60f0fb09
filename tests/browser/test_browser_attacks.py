"""Stored XSS in a real browser: every page, including those that build their content with JavaScript
(search results, live grid, camera health, recordings, the watchlist alert over every page), is loaded
by Chromium over a data folder where every free-text field carries markup (tests/test_web_attacks.
seed_evil, and a watchlist note). No script may run: no dialog, no flag set by a payload, no element a
payload would create, no CSP violation (which would mean markup got in and only the CSP stopped it),
and the payloads are visible as plain text."""

from __future__ import annotations

import threading

import pytest
from browser_support import sign_in
from test_web_attacks import PAYLOADS, leave_traces_in_the_audit_log, seed_evil
from webapp import PASSWORDS

from webui import create_app

pytestmark = pytest.mark.slow

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.sample || e.blockedURI));
});
"""
NOTE = '<img src=x onerror=window.__xss="note">'
INJECTED = (
    "img[src='x'], svg[onload], iframe, script:not([src]):not([type='application/json']), b[onmouseover]"
)


@pytest.fixture(scope="module")
def evil_site(tmp_path_factory, segment_file):
    from webui.server import build_server

    data_dir = tmp_path_factory.mktemp("evil") / "data"
    data_dir.mkdir()
    template = segment_file(10)
    seeded = seed_evil(data_dir, template)
    raise_evil_alert(seeded)
    leave_traces_in_the_audit_log(create_app(seeded["config"]))
    server = build_server(seeded["config"], threads=8, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    seeded["url"] = f"http://127.0.0.1:{server.effective_port}"
    yield seeded
    server.close()
    thread.join(timeout=10)


def raise_evil_alert(seeded) -> None:
    """A watchlist entry whose note carries markup, and the alert it raised for the sighting whose plate
    does: the pop-up over every page, the watchlist page and the alerts page build their text from them."""
    from datetime import UTC, datetime, timedelta

    from plate_index.watch_alerts import raise_alerts
    from plate_index.watchlist import add_entry, open_watchlist

    now = datetime.now(UTC)
    conn = open_watchlist(seeded["layout"])
    try:
        add_entry(conn, "BE7*", NOTE, "police", now, now + timedelta(days=1))
        plate = conn.execute("SELECT plate FROM sightings WHERE id = ?", (seeded["evil"],)).fetchone()[0]
        raised = raise_alerts(conn, seeded["evil"], "village-square", plate, [], now.timestamp() - 60,
                              now.timestamp())
    finally:
        conn.close()
    assert raised == 1


class _Site:
    def __init__(self, url: str):
        self.url = url


def pages(seeded) -> list[tuple[str, str]]:
    """(path, text that must show up on it as plain text)."""
    return [
        ("/search?q=BE7", "BE7<img"),
        (f"/sightings/{seeded['evil']}", "<iframe"),
        ("/live", PAYLOADS["title"]),
        ("/live/road-north", PAYLOADS["title"]),
        ("/cameras", PAYLOADS["reason"]),
        ("/admin", PAYLOADS["title"]),
        ("/admin/users", "police"),
        ("/admin/audit", PAYLOADS["username"]),
        ("/recordings?camera=road-north", PAYLOADS["title"]),
        ("/export", PAYLOADS["title"]),
        ("/watchlist", NOTE),
        ("/alerts", "BE7<img"),
        ("/holds", NOTE),  # the alert's pop-up
    ]


def test_no_stored_markup_runs_as_script_on_any_page(page, evil_site):
    page.add_init_script(WATCH)
    sign_in(page, _Site(evil_site["url"]), "admin", PASSWORDS["admin"])
    page.wait_for_url("**/search")
    seen = []
    for path, visible in pages(evil_site):
        page.goto(evil_site["url"] + path)  # "load", not "networkidle": live pages stream for ever
        if path.startswith("/search"):
            page.locator("#results tbody tr").first.wait_for()
        page.locator("#watch-alert .watch-alert-item").wait_for()  # every page shows the alert
        page.wait_for_timeout(1500)  # what scripts fetch and render (live status, segments, results)
        assert page.evaluate("window.__xss") is None, path
        assert page.locator(INJECTED).count() == 0, path
        assert page.evaluate("window.__violations") == [], path
        if visible in page.locator("body").inner_text():
            seen.append(path)
    assert page.dialogs == []
    # The payloads were on the pages as text, so markup in their place would have been caught.
    assert len(seen) >= 10, seen
