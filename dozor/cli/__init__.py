"""The `dozor` command line: one click group, one module per area of commands.

Command modules import heavy libraries (PyAV, ONNX Runtime, Flask) inside their functions, so that
`dozor check-config` answers at once on a Raspberry Pi.
"""

from __future__ import annotations

import click

from dozor.cli import (
    audit_cmds,
    camera_cmds,
    config_cmds,
    demo_cmd,
    node_cmds,
    plate_cmds,
    privacy_cmds,
    recorder_cmds,
    report_cmd,
    run_cmd,
    status_cmd,
    transparency_cmd,
    user_cmds,
    watch_cmds,
    web_cmd,
)
from edge import __version__
from edge.logs import setup_logging


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dozor")
@click.option(
    "--log-level",
    default="INFO",
    show_default=True,
    envvar="DOZOR_LOG_LEVEL",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much to log (to stderr, or journald under systemd); child processes inherit DOZOR_LOG_LEVEL.",
)
def main(log_level: str) -> None:
    """Dozor: record community CCTV cameras, read licence plates, serve the LAN web UI."""
    setup_logging(log_level)


for _module in (
    config_cmds, camera_cmds, plate_cmds, watch_cmds, privacy_cmds, user_cmds, audit_cmds, web_cmd,
    run_cmd, recorder_cmds, status_cmd, report_cmd, transparency_cmd, demo_cmd, node_cmds,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)
