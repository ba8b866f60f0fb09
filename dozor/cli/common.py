"""Helpers shared by the CLI command modules: the --config option and printing."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any

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


def fail(message: str) -> None:
    """A user-facing error: the message on stderr, exit status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def cli_actor() -> str:
    """Who runs this command, as the audit log names shell users: `cli:<unix user>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:?"
