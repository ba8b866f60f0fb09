"""Texts in Ukrainian by default and in English after pressing ENG, in a real browser."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow


def test_login_page_is_ukrainian_and_switches_to_english(page, site):
    page.goto(site.url + "/login")
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("h1").inner_text() == "Увійти"
    assert page.locator("label[for=username]").inner_text() == "Ім'я користувача"
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Sign in"
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    assert page.locator("h1").inner_text() == "Plate search"
    assert "Type at least 3 characters" in page.locator("#search-status").inner_text()
    page.click("button[value=uk]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Пошук номера"


def test_wrong_password_message_in_both_languages(page, site):
    sign_in(page, site, "police", "wrong-password")
    assert "Неправильне ім'я користувача або пароль" in page.locator(".alert").inner_text()
    page.click("button[value=en]")
    sign_in(page, site, "police", "wrong-password")
    assert "Wrong user name or password" in page.locator(".alert").inner_text()


def test_untrusted_text_never_runs_as_script_in_the_browser(page, site):
    sign_in(page, site, "admin", PASSWORDS["admin"])
    for path in ("/search?q=BE7", "/admin", "/cameras", "/live", "/admin/audit", "/recordings"):
        page.goto(site.url + path)
        page.wait_for_timeout(300)
    assert page.dialogs == []


def test_switching_language_keeps_the_query_and_the_filters(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.fill("#q", "ве7")
    page.locator("#results tbody tr").nth(2).wait_for()
    page.select_option("#camera", "road-north")
    page.check("#exact")
    page.fill("#since", "2026-11-30 08:15")
    page.wait_for_timeout(600)
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Plate search"
    assert page.locator("#q").input_value().upper() == "ВЕ7"
    page.wait_for_function("() => document.getElementById('camera').value === 'road-north'")
    assert page.locator("#exact").is_checked()
    assert page.locator("#since").input_value() == "2026-11-30 08:15"
    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    page.wait_for_timeout(800)  # the search with the restored filters has answered
    texts = [rows.nth(n).inner_text() for n in range(rows.count())]
    assert texts and all("Північна дорога" in text for text in texts), texts  # the camera filter holds


def test_the_sign_in_page_after_signing_out_stays_in_the_users_language(page, site):
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.click("button[value=en]")
    page.wait_for_load_state()
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Sign in"
    page.click("button[value=uk]")
    page.wait_for_load_state()
    sign_in(page, site, "police", PASSWORDS["police"])
    page.wait_for_url("**/search")
    page.click("text=Вийти")
    page.wait_for_url("**/login")
    assert page.locator("h1").inner_text() == "Увійти"
