"""Live grid (placeholder until the recorder's live pictures land)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.access import ALL_ROLES, allow

bp = Blueprint("live", __name__)


@bp.route("/live")
@allow(*ALL_ROLES)
def grid():
    return render_template("live/grid.html")
