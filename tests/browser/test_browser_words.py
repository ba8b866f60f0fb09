"""No English left in the Ukrainian UI (issue 15, item 10): every page an admin can open, read in
Chromium, has no English word but the names an installer gave (cameras, accounts) and the product's."""

from __future__ import annotations

import re

import pytest
from browser_support import CAMERAS, admin_pages, search_as, sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow
NAMES = {"Dozor", "ENG", "NTP", "JSON", "systemd", "admin", "police", "volunteer"}
NAMES |= {c["name"] for c in CAMERAS}
# commands and codes to type as they are (`dozor audit verify`, an entry's hash) are not words to translate
PROSE = """() => { const copy = document.body.cloneNode(true);
                   copy.querySelectorAll('code, pre, kbd, samp, script, template').forEach(e => e.remove());
                   document.body.after(copy); const text = copy.innerText; copy.remove(); return text; }"""
LATIN_WORD = re.compile(r"(?<![\w/.-])[A-Za-z][A-Za-z'-]{2,}(?![\w/.-])")


def test_the_ukrainian_ui_has_no_english_left(page, site):
    search_as(page, site, "admin")
    texts = {"/search": page.evaluate(PROSE)}
    for path in [*admin_pages(site), "/live", "/live/bridge", "/admin/aim", "/admin/site-report",
                 "/admin/oversight", "/admin/transparency", "/admin/subject-lookup"]:
        page.goto(site.url + path)
        page.wait_for_timeout(1500 if path.startswith("/live") else 300)
        texts[path] = page.evaluate(PROSE)
    english = {
        path: sorted({w for w in LATIN_WORD.findall(text) if w not in NAMES and w.lower() not in NAMES})
        for path, text in texts.items()
    }
    english = {path: words for path, words in english.items() if words}
    assert not english, "; ".join(f"{path}: {' '.join(words)}" for path, words in english.items())
    assert "зберігається 14 днів" in texts["/admin"]


def test_the_ocr_country_guess_is_not_shown(page, site):
    """The OCR's region model calls Ukrainian plates "Bulgaria" or "Denmark": the UI does not repeat it."""
    from datetime import timedelta

    from webapp import seed_sighting

    guessed = seed_sighting(
        site.layout, "school", "BH4455CE", site.now - timedelta(minutes=3), region="Bulgaria"
    )
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.goto(f"{site.url}/sightings/{guessed}")
    page.locator("h1").wait_for()
    shown = page.inner_text("main")
    assert "BH4455CE" in shown.replace(" ", "")
    assert "Bulgaria" not in shown and "Регіон" not in shown, shown
