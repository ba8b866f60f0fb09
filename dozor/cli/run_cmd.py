"""`dozor run --config PATH`: the daemon in the foreground (systemd runs it with --no-web, since the
appliance serves the web UI from its own, more tightly sandboxed unit)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dozor.cli.common import config_option, fail, load_or_exit


@click.command("run")
@config_option
@click.option(
    "--no-web",
    is_flag=True,
    help="Do not start the web UI (the appliance runs it as its own unit, dozor-web.service).",
)
def run(config_path: str, no_web: bool) -> None:
    """Record the cameras and run the other services until SIGTERM or Ctrl-C (segments are closed
    cleanly; a second Ctrl-C exits at once)."""
    from dozor.services import service_factories
    from dozor.supervisor import StorageUnusable, Supervisor
    from edge.memory import keep_pictures_off_the_heap

    keep_pictures_off_the_heap()
    config = load_or_exit(config_path)
    try:
        factories = service_factories(web=not no_web)
        status = Supervisor(config, Path(config_path).resolve(), factories=factories).run()
    except StorageUnusable as exc:
        fail(str(exc))
        return
    sys.exit(status)


COMMANDS = [run]
