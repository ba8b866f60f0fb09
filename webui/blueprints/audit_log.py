"""The audit viewer for admins: who did what, newest first, filterable by person and action; on top,
the chain's head (to be written down or published), where it was last witnessed, and the state of the
chain.

The page checks only the entries added since the last checkpoint (accounts.audit_chain.quick_check), so a
load costs milliseconds however long the log is; the full check against the witnessed heads is
`dozor audit verify`. The log shows what people searched for, so reading it is audited too.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from accounts import audit
from accounts.audit import AuditAction
from accounts.audit_chain import quick_check
from accounts.users import Role
from edge.db import sqlite_integer
from webui.access import allow
from webui.auditing import record_viewing
from webui.context import ctx, web_db

bp = Blueprint("audit", __name__)
PAGE = 100


@bp.route("/admin/audit")
@allow(Role.ADMIN)
def viewer():
    actor = request.args.get("actor", "").strip()[:64]
    action = request.args.get("action", "")
    action = action if action in {a.value for a in AuditAction} else ""
    case_number = request.args.get("case", "").strip()[:64]
    before = request.args.get("before", type=sqlite_integer)
    record_viewing(("audit-log",), AuditAction.AUDIT_VIEW, "")
    conn = web_db()
    rows = audit.entries(
        conn, actor=actor, action=action, case_number=case_number, before_id=before, limit=PAGE
    )
    check = quick_check(conn, ctx().clock)
    keeper = current_app.extensions["dozor_audit_keeper"]
    older = rows[-1].id if len(rows) == PAGE else None
    return render_template(
        "audit/viewer.html",
        rows=rows,
        actor=actor,
        action=action,
        case_number=case_number,
        actions=list(AuditAction),
        older=older,
        check=check,
        problems=keeper.problems + check.problems,
        keeper=keeper,
    )
