"""Account rules wherever accounts change (admin page and `dozor user`): the password policy with its
reason in the user's language, one canonical spelling of user names, and the self-disable guard."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from webapp import page_token

from accounts.users import AccountError, Accounts
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout


@pytest.fixture
def admin(web):
    return web.client("admin", clock=ManualClock())


def change(client, **form):
    form["csrf_token"] = page_token(client, "/admin/users")
    return client.post("/admin/users", data=form, follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("qwerty1", "щонайменше 10 символів"),
        ("1234567890", "один із найпоширеніших паролів"),
        ("password123", "один із найпоширеніших паролів"),
        ("vika123456", "не може складатися з імені користувача"),
        ("abcdefghijkl", "надто легко вгадати"),
    ],
)
def test_the_admin_page_refuses_weak_passwords_and_says_why(admin, data_dir, password, reason):
    page = change(admin, action="add", username="vika", role="volunteer", password=password)
    assert reason in page
    assert Accounts(open_web_db(DataLayout(data_dir)), ManualClock()).by_name("vika") is None
    page = change(admin, action="password", username="police", password=password.replace("vika", "police"))
    assert reason in page


def test_a_good_password_is_accepted_on_the_admin_page(admin, data_dir):
    page = change(admin, action="add", username="vika", role="volunteer", password="ranok-nad-dniprom")
    assert "vika" in page and "надто" not in page
    assert Accounts(open_web_db(DataLayout(data_dir)), ManualClock()).by_name("vika") is not None


def test_the_cli_refuses_a_weak_new_password_with_the_reason(tmp_path, web, data_dir):
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main, ["user", "passwd", "police", "--password-stdin", "--config", str(config)], input="qwertyuiop\n"
    )
    assert result.exit_code == 1 and "most common passwords" in result.output


@pytest.mark.parametrize("spelling", ["ADMIN", " admin ", "Admin", "ＡＤＭＩＮ"])
def test_an_admin_cannot_disable_their_own_account_however_it_is_spelled(admin, data_dir, spelling):
    page = change(admin, action="disable", username=spelling)
    assert "Не можна вимкнути власний обліковий запис" in page
    assert Accounts(open_web_db(DataLayout(data_dir)), ManualClock()).by_name("admin").active
    assert admin.get("/admin/users").status_code == 200, "still signed in"


def test_user_names_have_one_spelling_and_lookalikes_are_refused(data_dir):
    accounts = Accounts(open_web_db(DataLayout(data_dir)), ManualClock())
    accounts.add("Olena", "police", "ranok-nad-dniprom")
    for spelling in ("olena", " OLENA ", "Ｏｌｅｎａ"):
        assert accounts.by_name(spelling).username == "olena"
    # a Cyrillic о or а, a Latin ø, a space inside, a digit first
    for lookalike in ("оlena", "olenа", "ølena", "o lena", "1olena"):
        with pytest.raises(AccountError, match="not allowed"):
            accounts.add(lookalike, "police", "ranok-nad-dniprom")


def test_a_name_mixing_alphabets_is_refused_for_that_reason(data_dir):
    from accounts.users import AccountProblem

    accounts = Accounts(open_web_db(DataLayout(data_dir)), ManualClock())
    for mixed in ("pоlice", "аdmin", "olenа"):  # a Cyrillic о or а among Latin letters
        with pytest.raises(AccountError) as refused:
            accounts.add(mixed, "police", "ranok-nad-dniprom")
        assert refused.value.reason == AccountProblem.MIXED_SCRIPTS, mixed
    with pytest.raises(AccountError) as refused:
        accounts.add("ølena", "police", "ranok-nad-dniprom")  # Latin only, just not ASCII
    assert refused.value.reason == AccountProblem.BAD_NAME
