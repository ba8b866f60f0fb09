"""`dozor user add|list|disable|enable|passwd`: web UI accounts from the shell.

There is no default account: the installer creates the first admin here over SSH. Passwords come from
a prompt (typed twice, not echoed) or from stdin with --password-stdin (for scripts), never from the
command line, where `ps` and the shell history would keep them. Every change is audited with the person
who made it (dozor.cli.common.cli_actor: the login user behind `sudo -u dozor`).
"""

from __future__ import annotations

import sys

import click

from dozor.cli.common import cli_actor, config_option, fail, load_or_exit


def _open(config_path: str):
    from accounts.webdb import open_web_db
    from edge.layout import DataLayout

    config = load_or_exit(config_path)
    return open_web_db(DataLayout(config.storage.path))


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on stdin")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@click.group("user")
def user() -> None:
    """Manage web UI accounts (roles: admin, police, volunteer)."""


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "police", "volunteer"]),
    help="admin: cameras, accounts, audit; police: plates, video, export; volunteer: live grid.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@config_option
def add(name: str, role: str, password_stdin: bool, config_path: str) -> None:
    """Create the account NAME."""
    from accounts.user_changes import add_user
    from accounts.users import AccountError
    from edge.clock import SystemClock

    conn = _open(config_path)
    password = _read_password(password_stdin)
    try:
        created = add_user(
            conn, SystemClock(), by=cli_actor(), ip="local", username=name, role=role, password=password
        )
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"created {created.role.value} account {created.username!r}")


@user.command("list")
@config_option
def list_users(config_path: str) -> None:
    """List accounts: name, role, state, last sign-in (UTC)."""
    from accounts.users import Accounts
    from edge.clock import SystemClock, utc_iso

    users = Accounts(_open(config_path), SystemClock()).list()
    if not users:
        click.echo(
            "no accounts yet; create the first admin with: dozor user add NAME --role admin --config PATH"
        )
        return
    for u in users:
        last = utc_iso(u.last_login_at) if u.last_login_at else "never"
        state = "active" if u.active else "disabled"
        click.echo(f"{u.username:<24} {u.role.value:<10} {state:<9} last sign-in {last}")


def _set_active(name: str, config_path: str, active: bool) -> None:
    from accounts.user_changes import set_active
    from accounts.users import AccountError
    from edge.clock import SystemClock

    conn = _open(config_path)
    try:
        set_active(conn, SystemClock(), by=cli_actor(), ip="local", username=name, active=active)
    except AccountError as exc:
        fail(str(exc))


@user.command("disable")
@click.argument("name")
@config_option
def disable(name: str, config_path: str) -> None:
    """Disable NAME: they cannot sign in, and their open sessions end now."""
    _set_active(name, config_path, False)
    click.echo(f"disabled {name!r}; their sessions were ended")


@user.command("enable")
@click.argument("name")
@config_option
def enable(name: str, config_path: str) -> None:
    """Enable NAME again."""
    _set_active(name, config_path, True)
    click.echo(f"enabled {name!r}")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@config_option
def passwd(name: str, password_stdin: bool, config_path: str) -> None:
    """Set a new password for NAME (their open sessions end)."""
    from accounts.user_changes import set_password
    from accounts.users import AccountError
    from edge.clock import SystemClock

    conn = _open(config_path)
    password = _read_password(password_stdin)
    try:
        set_password(conn, SystemClock(), by=cli_actor(), ip="local", username=name, password=password)
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"password of {name!r} changed; their sessions were ended")


COMMANDS = [user]
