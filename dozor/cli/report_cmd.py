"""`dozor site-report`: the printable acceptance report an installer hands over when leaving a site."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from dozor.cli.common import config_option, load_or_exit


@click.command("site-report")
@config_option
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(0.1, 24 * 366),
              help="The period the report covers: the last HOURS.")
@click.option("--lang", "language", type=click.Choice(["uk", "en"]),
              help="Language of the report (default: web.language of the config).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Where to write the HTML (default: site-report-<host>-<date>.html here).")
def site_report(config_path: str, hours: float, language: str | None, out_path: str | None) -> None:
    """Write the site acceptance report: cameras online, recorded hours and outages; for each plate
    camera the plates seen and read and their median width; the days of video the disk holds at the
    measured bitrates; the time source. A printable HTML file, in Ukrainian or English, with no plate
    text."""
    from health.site_report import build_report
    from webui.site_report_page import render_report_file

    config = load_or_exit(config_path)
    now = datetime.now(UTC)
    report = build_report(config, now - timedelta(hours=hours), now, now)
    html = render_report_file(report, language or config.web.language)
    path = Path(out_path or f"site-report-{socket.gethostname()}-{now.astimezone():%Y%m%d-%H%M}.html")
    path.write_text(html, encoding="utf-8")
    click.echo(f"site report for the last {hours:g} h written to {path}")


COMMANDS = [site_report]
