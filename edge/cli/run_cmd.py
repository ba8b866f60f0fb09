"""`dozor run --config PATH`: the daemon in the foreground (systemd runs exactly this)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edge.cli.common import config_option, fail, load_or_exit


@click.command("run")
@config_option
def run(config_path: str) -> None:
    """Record the cameras and run the other services until SIGTERM or Ctrl-C (segments are closed
    cleanly; a second Ctrl-C exits at once)."""
    from edge.supervisor import StorageUnusable, Supervisor

    config = load_or_exit(config_path)
    try:
        status = Supervisor(config, Path(config_path).resolve()).run()
    except StorageUnusable as exc:
        fail(str(exc))
        return
    sys.exit(status)


COMMANDS = [run]
