"""The transparency report for admins: the page, and the HTML and JSON files the council publishes.

It carries no plate data (webui.transparency), so showing it is not a plate-data access and is not
audited; it is for admins because it is the council's to publish, not every user's to read.
"""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, Response, abort, request

from accounts.users import Role
from webui.access import allow
from webui.context import ctx
from webui.transparency import TransparencyReport, build_report

bp = Blueprint("transparency", __name__)


def _report() -> TransparencyReport:
    """The asked month's report; the month before this one by default."""
    now = ctx().clock.now()
    last_month = (now.astimezone().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    try:
        return build_report(ctx().config, request.args.get("month") or last_month, now)
    except ValueError:
        abort(400)


def _attachment(body: str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/admin/transparency")
@allow(Role.ADMIN)
def page():
    from webui.transparency_page import render_transparency

    return render_transparency(_report(), standalone=False)


@bp.route("/admin/transparency.html")
@allow(Role.ADMIN)
def file():
    from webui.transparency_page import render_transparency

    report = _report()
    return _attachment(render_transparency(report, standalone=True), "text/html",
                       f"transparency-{report.month}.html")


@bp.route("/admin/transparency.json")
@allow(Role.ADMIN)
def json_file():
    report = _report()
    return _attachment(json.dumps(report.to_json(), ensure_ascii=False, indent=2), "application/json",
                       f"transparency-{report.month}.json")
