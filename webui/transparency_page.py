"""The transparency report (webui.transparency) as HTML, in Ukrainian or English: the admin page and
the file `dozor report` writes. Like the site report, a file carries its stylesheet inline; the page
links it."""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale

from accounts.audit_stats import NO_CASE, Outcome
from webui.site_report_page import STYLESHEET, outside_ui
from webui.transparency import TransparencyReport


def render_transparency(report: TransparencyReport, *, standalone: bool) -> str:
    """The report in the current request's language; `standalone` for a file, else the web page."""
    return render_template(
        "report/transparency.html", r=report, language=str(get_locale()), Outcome=Outcome, NO_CASE=NO_CASE,
        inline_css=STYLESHEET.read_text() if standalone else None, tools=not standalone,
    )


def render_transparency_file(report: TransparencyReport, language: str) -> str:
    return outside_ui(language, lambda: render_transparency(report, standalone=True))
