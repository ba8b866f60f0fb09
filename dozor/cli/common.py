"""Helpers shared by the CLI command modules: the --config option and printing."""

from __future__ import annotations

import json
import os
import pwd
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

import click

from edge.config import Config, ConfigError, load_config

config_option = click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    envvar="DOZOR_CONFIG",
    help="Path to the TOML config (or set DOZOR_CONFIG).",
)


def load_or_exit(path: str) -> Config:
    """The validated config, or the problems on stderr and exit status 1 (never a traceback)."""
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def print_json_lines(objects: list[dict[str, Any]]) -> None:
    """One JSON object per line: easy to grep, to pipe into jq, and to stream."""
    for obj in objects:
        click.echo(json.dumps(obj, ensure_ascii=False))


def fail(message: str) -> NoReturn:
    """A user-facing error: the message on stderr, exit status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


LOGINUID = Path("/proc/self/loginuid")
NO_LOGINUID = 4294967295  # (uid_t)-1: no login session (a service, a container, cron)


def cli_actor(loginuid_file: Path = LOGINUID, environ: Mapping[str, str] = os.environ) -> str:
    """Who runs this command, as the audit log names shell users: `cli:<person>`, with `as <unix user>`
    when the person ran it as another user (`sudo -u dozor dozor search ...`).

    The person is the login uid the kernel keeps from the SSH or console login (pam_loginuid; a process
    cannot change its own), else sudo's SUDO_USER (from the environment, so only as true as the caller),
    else the Unix user the command runs as."""
    unix_user = _user_name(os.geteuid())
    person = _login_user(loginuid_file) or environ.get("SUDO_USER") or unix_user
    return f"cli:{person}" if person == unix_user else f"cli:{person} as {unix_user}"


def _login_user(loginuid_file: Path) -> str | None:
    try:
        uid = int(loginuid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return None if uid == NO_LOGINUID else _user_name(uid)


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
