"""Admin → "Is a plate stored?": the admin's answer to a person who asks whether their plate is stored
(the data-protection pack, docs/data-protection.*.md, tells them how to ask).

The lookup shows that plate's sightings only (days, cameras, when each is deleted), never pictures or
other plates, and is audited first (`subject_lookup`, with the request's reference and how many were
found), like `dozor subject-lookup`. A POST with the request's reference: no lookup without one.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from accounts.audit import AuditAction
from accounts.users import Role
from webui.access import allow, audit_request
from webui.blueprints.search import bad_query_message
from webui.context import StoreMissing, camera_titles, ctx, plates_db

bp = Blueprint("subject", __name__)


@bp.route("/admin/subject-lookup", methods=["GET", "POST"])
@allow(Role.ADMIN)
def page():
    from plate_index.normalise import BadQuery
    from plate_index.subject import stored_sightings

    plate = request.form.get("plate", "")[:40]
    reference = " ".join(request.form.get("request", "").split())[:200]
    found, error = None, None
    if request.method == "POST" and not reference:
        error = _("Give the reference of the person's request (e.g. the letter's number and date).")
    elif request.method == "POST":
        try:
            wanted, hits = stored_sightings(_plates_or_none(), plate)
        except BadQuery as exc:
            error = bad_query_message(exc)
        else:
            audit_request(AuditAction.SUBJECT_LOOKUP, wanted, {"request": reference, "results": len(hits)})
            found = (wanted, hits)
    return render_template(
        "admin/subject_lookup.html", plate=plate, reference=reference, found=found, error=error,
        titles=camera_titles(), keep=timedelta(days=ctx().config.storage.retention_days),
    )



def _plates_or_none():
    try:
        return plates_db()
    except StoreMissing:  # nothing read yet: nothing stored
        return None
