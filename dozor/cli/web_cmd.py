"""`dozor web --config PATH`: serve the LAN web UI (HTTP or HTTPS; webui.server), as its own process.

A separate process from the recorder on purpose: a crash or a slow request in the UI can never cost a
recorded second. The supervisor starts it as a child (or systemd runs it directly); it only reads the
catalog and plate store and writes web.db.
"""

from __future__ import annotations

import logging

import click

from dozor.cli.common import config_option, fail, load_or_exit

log = logging.getLogger(__name__)


@click.command("web")
@config_option
@click.option(
    "--threads",
    default=16,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requests served at once; live video, video files and exports have threads of their own.",
)
def web(config_path: str, threads: int) -> None:
    """Serve the web UI on [web] listen until stopped (SIGTERM/SIGINT)."""
    from webui.server import CertificateMissing, serve

    config = load_or_exit(config_path)
    if not config.web.enabled:
        fail("the web UI is disabled in the config ([web] enabled = false)")
    try:
        serve(config, threads=threads)
    except (CertificateMissing, OSError) as exc:
        fail(str(exc))


COMMANDS = [web]
