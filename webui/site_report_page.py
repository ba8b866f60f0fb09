"""The site acceptance report (health.site_report) as HTML, in Ukrainian or English.

One template (report/site.html) and the web UI's translations serve both the admin page and
`dozor site-report`: inside a request the reader's language applies; the CLI renders in a bare Flask
app with the language it was asked for. A file handed over carries its stylesheet inline (it is opened
from disk, without the web UI); the web page links it, as the CSP allows no inline style.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, render_template
from flask_babel import get_locale

from health.site_report import SiteReport
from plate_index.aim_verdict import min_plate_width
from webui.i18n import init_babel

STYLESHEET = Path(__file__).parent / "static" / "css" / "report.css"


def render_report(report: SiteReport, *, standalone: bool, hours: float | None = None) -> str:
    """The report in the current request's language; `standalone` for a file, else the web page."""
    return render_template(
        "report/site.html", r=report, language=str(get_locale()), hours=hours,
        inline_css=STYLESHEET.read_text() if standalone else None, tools=not standalone,
        min_width=min_plate_width,
    )


def render_report_file(report: SiteReport, language: str) -> str:
    """The report as a standalone file, outside the web UI (the CLI)."""
    return outside_ui(language, lambda: render_report(report, standalone=True))


def outside_ui(language: str, render: Callable[[], str]) -> str:
    """`render` run in a bare Flask app in `language`: a report rendered by the CLI."""
    app = Flask("webui")
    init_babel(app, language)
    with app.test_request_context("/"):
        return render()
