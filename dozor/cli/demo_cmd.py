"""`dozor demo`: see the whole appliance work in a minute, with nothing to configure."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from dozor.cli.common import fail
from edge.logs import setup_logging


@click.command("demo")
@click.option("--port", default=8080, show_default=True, help="Port of the web UI on 127.0.0.1.")
@click.option(
    "--video",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Play this H.264/H.265 MP4 as the camera instead of the rendered drive-by clip.",
)
@click.option("--keep", is_flag=True, help="Keep the temporary data folder after stopping.")
@click.option("--verbose", is_flag=True, help="Show the daemon's log lines (INFO) on the terminal.")
def demo(port: int, video: Path | None, keep: bool, verbose: bool) -> None:
    """Run Dozor on a simulated camera with rendered cars: recording, plate reading and the web UI on
    127.0.0.1, one-time passwords printed once. Ctrl-C stops it and deletes its data."""
    from dozor.demo.run import DemoUnavailable, run_demo

    level = "INFO" if verbose else "WARNING"
    os.environ["DOZOR_LOG_LEVEL"] = level  # the web UI child logs at the same level
    setup_logging(level, process="dozor-demo")
    try:
        status = run_demo(port=port, video=video, keep=keep, say=lambda text: click.echo(text))
    except DemoUnavailable as exc:
        fail(str(exc))
        return
    sys.exit(status)


COMMANDS = [demo]
