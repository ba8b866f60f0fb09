"""Evidence export for police: one camera, a time range and a reason (required) -> a zip with the
stream-copied video, a manifest and SHA-256 checksums. Every export, and every failed attempt, is
audited with its reason."""

from __future__ import annotations

import shutil
from datetime import timedelta

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _

from edge.clock import parse_utc, utc_iso
from webui import audit
from webui.access import PLATE_ROLES, actor, allow, client_ip
from webui.context import catalog_db, ctx, known_camera, web_db
from webui.evidence import ExportFailed, ExportRequest, build_export
from webui.streams import long_lived

bp = Blueprint("export", __name__)
MAX_RANGE = timedelta(hours=2)
REASON_MIN, REASON_MAX = 5, 500


@bp.route("/export")
@allow(*PLATE_ROLES)
def form():
    return render_template("export/form.html", values=request.args, error=None)


@bp.route("/export", methods=["POST"])
@long_lived
@allow(*PLATE_ROLES)
def download():
    from recorder.catalog import outages_between, segments_between

    values = request.form
    camera = known_camera(values.get("camera", ""))
    try:
        start, end = parse_utc(values.get("start", "")), parse_utc(values.get("end", ""))
    except ValueError:
        return _refuse(_("Enter the start and end of the video."))
    reason = values.get("reason", "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return _refuse(_("Write the reason for the export (for example the case number)."))
    if end <= start:
        return _refuse(_("The end must be after the start."))
    if end - start > MAX_RANGE:
        return _refuse(_("At most 2 hours per export; export longer periods in parts."))
    clock, layout = ctx().clock, ctx().layout
    conn = catalog_db()
    segments = segments_between(conn, camera.name, start, end)
    outages = outages_between(conn, camera.name, start, end)
    export = ExportRequest(
        camera=camera.name,
        camera_title=camera.display_name,
        start=start,
        end=end,
        who=actor(),
        reason=reason,
        created=clock.now(),
    )
    detail = {"start": utc_iso(start), "end": utc_iso(end), "reason": reason}
    try:
        archive = build_export(layout, export, segments, outages)
    except ExportFailed as exc:
        audit.append(
            web_db(),
            clock,
            actor=actor(),
            ip=client_ip(),
            action=audit.EXPORT,
            target=camera.name,
            detail={**detail, "failed": str(exc)},
        )
        return _refuse(_("The export failed: no recording in this time range, or it could not be cut."))
    audit.append(
        web_db(),
        clock,
        actor=actor(),
        ip=client_ip(),
        action=audit.EXPORT,
        target=camera.name,
        detail={**detail, "file": archive.name},
    )
    # Open the zip, then delete its folder: the open file keeps the data until the download ends (or
    # the browser gives up), and nothing is left behind either way. (call_on_close would not run:
    # werkzeug skips it for files passed straight to the server.)
    handle = archive.open("rb")
    shutil.rmtree(archive.parent, ignore_errors=True)
    return send_file(handle, mimetype="application/zip", as_attachment=True, download_name=archive.name)


def _refuse(message: str):
    return render_template("export/form.html", values=request.form, error=message), 400
