"""Recordings (placeholder until recorder.catalog lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.access import PLATE_ROLES, allow

bp = Blueprint("recordings", __name__)


@bp.route("/recordings")
@allow(*PLATE_ROLES)
def page():
    return render_template("recordings/page.html")
