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
