"""`dozor user ...`: no default account, passwords from a prompt or stdin, disable/passwd end sessions,
and every change lands in the audit log."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from webapp import login, make_config

from accounts import audit
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.clock import ManualClock
from edge.layout import DataLayout
from webui import create_app


@pytest.fixture
def config_path(tmp_path, data_dir):
    path = tmp_path / "dozor.toml"
    path.write_text(f'[storage]\npath = "{data_dir}"\n', encoding="utf-8")
    return str(path)


def dozor(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_add_with_password_on_stdin_lets_the_user_sign_in(config_path, data_dir):
    result = dozor(
        "user",
        "add",
        "Olena",
        "--role",
        "police",
        "--password-stdin",
        "--config",
        config_path,
        stdin="correct horse 7\n",
    )
    assert result.exit_code == 0, result.output
    assert "created police account 'olena'" in result.output
    app = create_app(make_config(data_dir))
    assert login(app.test_client(), "olena", "correct horse 7").status_code == 302


def test_add_from_prompt_asks_twice_and_hides_the_password(config_path):
    result = dozor(
        "user",
        "add",
        "admin1",
        "--role",
        "admin",
        "--config",
        config_path,
        stdin="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output
    mismatch = dozor(
        "user",
        "add",
        "admin2",
        "--role",
        "admin",
        "--config",
        config_path,
        stdin="s3cret-pass\nother-pass\ns3cret-pass\ns3cret-pass\n",
    )
    assert "match" in mismatch.output.lower()


def test_list_shows_no_accounts_on_a_fresh_install(config_path):
    result = dozor("user", "list", "--config", config_path)
    assert result.exit_code == 0
    assert "no accounts yet" in result.output


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("bob", "police", "short-9ch", "at least 10"),
        ("bob", "police", "password123", "most common passwords"),
        ("bob", "police", "йцукенгшщз", "most common passwords"),  # qwertyuiop on the Ukrainian layout
        ("olena", "police", "olena12345", "user name"),
        ("bob", "police", "abcdefghijkl", "too easy to guess"),
        ("b", "police", "long-enough-1", "not allowed"),
        ("bob/../x", "police", "long-enough-1", "not allowed"),
        ("\u0430dmin", "admin", "long-enough-1", "not allowed"),  # a Cyrillic "а" posing as "admin"
    ],
)
def test_bad_accounts_are_refused_with_a_reason(config_path, name, role, password, message):
    result = dozor(
        "user",
        "add",
        name,
        "--role",
        role,
        "--password-stdin",
        "--config",
        config_path,
        stdin=password + "\n",
    )
    assert result.exit_code == 1
    assert message in result.output


def test_unknown_role_is_refused(config_path):
    result = dozor(
        "user",
        "add",
        "bob",
        "--role",
        "superuser",
        "--password-stdin",
        "--config",
        config_path,
        stdin="long-enough-1\n",
    )
    assert result.exit_code == 2
    assert "superuser" in result.output


def test_duplicate_user_is_refused(config_path):
    for expected in (0, 1):
        result = dozor(
            "user",
            "add",
            "bob",
            "--role",
            "police",
            "--password-stdin",
            "--config",
            config_path,
            stdin="long-enough-1\n",
        )
        assert result.exit_code == expected
    assert "already exists" in result.output


def test_disable_passwd_enable_and_list(config_path, data_dir):
    dozor(
        "user",
        "add",
        "bob",
        "--role",
        "volunteer",
        "--password-stdin",
        "--config",
        config_path,
        stdin="long-enough-1\n",
    )
    app = create_app(make_config(data_dir))
    client = app.test_client()
    assert login(client, "bob", "long-enough-1").status_code == 302
    assert client.get("/live").status_code == 200

    assert dozor("user", "disable", "bob", "--config", config_path).exit_code == 0
    assert client.get("/live").status_code == 302  # the open session ended
    assert login(app.test_client(), "bob", "long-enough-1").status_code == 401
    assert "disabled" in dozor("user", "list", "--config", config_path).output

    assert dozor("user", "enable", "bob", "--config", config_path).exit_code == 0
    assert (
        dozor(
            "user", "passwd", "bob", "--password-stdin", "--config", config_path, stdin="another-pass-2\n"
        ).exit_code
        == 0
    )
    assert login(app.test_client(), "bob", "long-enough-1").status_code == 401
    assert login(app.test_client(), "bob", "another-pass-2").status_code == 302

    unknown = dozor("user", "disable", "nobody", "--config", config_path)
    assert unknown.exit_code == 1 and "no user called 'nobody'" in unknown.output


def test_account_changes_are_audited_with_the_unix_user(config_path, data_dir):
    dozor(
        "user",
        "add",
        "bob",
        "--role",
        "police",
        "--password-stdin",
        "--config",
        config_path,
        stdin="long-enough-1\n",
    )
    dozor("user", "disable", "bob", "--config", config_path)
    dozor("user", "enable", "bob", "--config", config_path)
    dozor("user", "passwd", "bob", "--password-stdin", "--config", config_path, stdin="another-pass-2\n")
    conn = open_web_db(DataLayout(data_dir))
    rows = list(reversed(audit.entries(conn)))
    assert [(r.action, r.target) for r in rows] == [
        ("user_add", "bob"),
        ("user_disable", "bob"),
        ("user_enable", "bob"),
        ("user_password", "bob"),
    ]
    assert all(r.actor.startswith("cli:") for r in rows)
    assert rows[0].detail == {"role": "police"}


def test_admin_manages_accounts_in_the_browser_form(data_dir):
    clock = ManualClock()
    conn = open_web_db(DataLayout(data_dir))
    from accounts.users import Accounts

    Accounts(conn, clock).add("chief", "admin", "chief-pass-1")
    conn.close()
    app = create_app(make_config(data_dir), clock=clock)
    client = app.test_client()
    login(client, "chief", "chief-pass-1")
    from webapp import page_token

    token = page_token(client, "/admin/users")
    response = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "action": "add",
            "username": "vika",
            "role": "volunteer",
            "password": "vika-pass-1",
        },
    )
    assert response.status_code == 302
    assert login(app.test_client(), "vika", "vika-pass-1").headers["Location"] == "/live"
    refused = client.post(
        "/admin/users",
        data={"csrf_token": token, "action": "disable", "username": "chief"},
        follow_redirects=True,
    )
    assert "Не можна вимкнути власний обліковий запис" in refused.get_data(as_text=True)
    assert login(app.test_client(), "chief", "chief-pass-1").status_code == 302
