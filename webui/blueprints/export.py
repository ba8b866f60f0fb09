"""Evidence export (placeholder until recorder.catalog lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.access import PLATE_ROLES, allow

bp = Blueprint("export", __name__)


@bp.route("/export")
@allow(*PLATE_ROLES)
def form():
    return render_template("export/form.html")
