"""The accounts page as an admin uses it (issue 15, item 10): a new account is police unless chosen
otherwise, a name mixing alphabets is refused, disabling asks first, and the admin's own row offers no
"Disable"."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from webapp import PASSWORDS

pytestmark = pytest.mark.slow


@pytest.fixture
def admin_page(chromium, site):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000}, locale="uk-UA")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.answers = []  # True: the next confirmation is accepted, False: dismissed
    page.dialogs = []

    def answer(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept() if page.answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    sign_in(page, site, "admin", PASSWORDS["admin"])
    page.wait_for_url("**/search")
    page.goto(site.url + "/admin/users")
    yield page
    context.close()


def _row(page, name: str):
    return page.locator("tbody tr", has=page.locator(f"td:text-is('{name}')"))


def test_a_new_account_is_police_unless_chosen_otherwise(admin_page):
    assert admin_page.locator("#new-role").input_value() == "police"


def test_a_name_mixing_latin_and_cyrillic_is_refused(admin_page):
    admin_page.fill("#new-username", "pоlice2")  # a Cyrillic "о"
    admin_page.select_option("#new-role", "police")
    admin_page.fill("#new-password", "quiet-harbour-lamp-71")
    admin_page.click("button[value=add]")
    admin_page.wait_for_load_state()
    message = admin_page.locator(".alert").inner_text()
    assert "латинськ" in message and "іншої абетки" in message, message
    assert _row(admin_page, "pоlice2").count() == 0
    admin_page.fill("#new-username", "police2")
    admin_page.fill("#new-password", "quiet-harbour-lamp-71")
    admin_page.click("button[value=add]")
    admin_page.wait_for_load_state()
    assert _row(admin_page, "police2").count() == 1  # the same name in Latin letters is fine


def test_disabling_asks_first_and_the_own_row_offers_no_disable(admin_page):
    assert _row(admin_page, "admin").locator("button[value=disable]").count() == 0
    volunteer = _row(admin_page, "volunteer")
    admin_page.answers.append(False)
    volunteer.locator("button[value=disable]").click()
    admin_page.wait_for_timeout(500)
    assert admin_page.dialogs and "volunteer" in admin_page.dialogs[-1]
    assert volunteer.locator(".badge.ok").count() == 1  # dismissed: still active
    admin_page.answers.append(True)
    volunteer.locator("button[value=disable]").click()
    admin_page.wait_for_load_state()
    assert _row(admin_page, "volunteer").locator(".badge.bad").count() == 1
    admin_page.locator("tbody tr", has=admin_page.locator("td:text-is('volunteer')")).locator(
        "button[value=enable]"
    ).click()  # enabling needs no confirmation: nothing is lost
    admin_page.wait_for_load_state()
    assert _row(admin_page, "volunteer").locator(".badge.ok").count() == 1
