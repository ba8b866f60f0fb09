"""`dozor report`: the month's transparency report (webui.transparency) as a file the community council
can publish, HTML in Ukrainian or English, or JSON. It carries no plate data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from dozor.cli.common import config_option, fail, load_or_exit


@click.command("report")
@config_option
@click.option("--month", required=True, help="The month the report covers, e.g. 2026-11 (local time).")
@click.option("--format", "form", type=click.Choice(["html", "json"]), default="html", show_default=True)
@click.option("--lang", "language", type=click.Choice(["uk", "en"]),
              help="Language of the HTML (default: web.language of the config).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Where to write it (default: the standard output).")
def report_cmd(config_path: str, month: str, form: str, language: str | None, out_path: str | None) -> None:
    """Write the transparency report of MONTH: the cameras and what each looks at, retention, plate
    reads per day, plate searches by reason and outcome, exports, case holds, failed sign-ins and the
    audit log's head hash. No plate text."""
    from webui.transparency import build_report
    from webui.transparency_page import render_transparency_file

    config = load_or_exit(config_path)
    try:
        report = build_report(config, month, datetime.now(UTC))
    except ValueError as exc:
        fail(str(exc))
    if form == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_transparency_file(report, language or config.web.language)
    if out_path is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out_path).write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write the report to {out_path}: {exc.strerror or exc}")
    click.echo(f"transparency report for {month} written to {out_path}", err=True)


COMMANDS = [report_cmd]
