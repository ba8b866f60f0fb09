"""Police plate search (placeholder until plate_index.search lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.access import PLATE_ROLES, allow

bp = Blueprint("search", __name__)


@bp.route("/search")
@allow(*PLATE_ROLES)
def page():
    return render_template("search/page.html")
