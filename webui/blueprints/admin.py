"""Admin pages (placeholder until recorder.catalog lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webui.access import ALL_ROLES, allow
from webui.accounts import Role

bp = Blueprint("admin", __name__)


@bp.route("/cameras")
@allow(*ALL_ROLES)
def cameras():
    return render_template("admin/cameras.html")


@bp.route("/admin")
@allow(Role.ADMIN)
def overview():
    return render_template("admin/overview.html")
