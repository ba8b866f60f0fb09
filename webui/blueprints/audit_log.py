"""The audit viewer for admins: who did what, newest first, filterable by person and action,
with the chain's state (intact or which entries were tampered with) shown on top."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from accounts import audit
from accounts.audit import AuditAction
from accounts.users import Role
from webui.access import allow
from webui.context import web_db

bp = Blueprint("audit", __name__)
PAGE = 100


@bp.route("/admin/audit")
@allow(Role.ADMIN)
def viewer():
    actor = request.args.get("actor", "").strip()[:64]
    action = request.args.get("action", "")
    action = action if action in {a.value for a in AuditAction} else ""
    before = request.args.get("before", type=int)
    conn = web_db()
    rows = audit.entries(conn, actor=actor, action=action, before_id=before, limit=PAGE)
    checked, problems = audit.verify(conn)
    older = rows[-1].id if len(rows) == PAGE else None
    return render_template(
        "audit/viewer.html",
        rows=rows,
        actor=actor,
        action=action,
        actions=list(AuditAction),
        older=older,
        checked=checked,
        problems=problems,
    )
