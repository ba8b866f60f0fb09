"""Evidence export for police: one camera, a time range and a reason (required) -> a zip with the
stream-copied video, a manifest and SHA-256 checksums. Every export, and every failed or refused
attempt, is audited with its reason. Nothing older than the retention horizon is exported (it starts at
the horizon at the earliest). At most 2 hours per export, EXPORTS_AT_ONCE at a time, and only
with room on the disk (webui.export_room)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, render_template, request, send_file
from flask_babel import gettext as _

from accounts.audit import AuditAction
from edge.clock import parse_utc, utc_iso
from webui.access import PLATE_ROLES, actor, allow, audit_request, needs_case
from webui.context import catalog_db, ctx, known_camera
from webui.evidence import ExportFailed, ExportRequest, build_export, space_needed
from webui.export_room import ExportRefused, ExportRoom, Refusal, remove_abandoned
from webui.streams import long_lived

bp = Blueprint("export", __name__)
ROOM = "dozor_export_room"
MAX_RANGE = timedelta(hours=2)
REASON_MIN, REASON_MAX = 5, 500


@bp.record_once
def _setup(state) -> None:
    """The app's export room; folders left by an export that never finished are deleted now."""
    context = state.app.extensions["dozor"]
    min_free = int(context.config.storage.min_free_gb * (1 << 30))
    state.app.extensions[ROOM] = ExportRoom(context.layout, min_free)
    remove_abandoned(context.layout)


def export_room() -> ExportRoom:
    return current_app.extensions[ROOM]


@bp.route("/export")
@allow(*PLATE_ROLES)
@needs_case
def form():
    return render_template("export/form.html", values=request.args, error=None)


@bp.route("/export", methods=["POST"])
@long_lived
@allow(*PLATE_ROLES)
@needs_case
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
    # Video past the retention horizon is gone for the UI (as for the player), deleted or not yet.
    start = max(start, ctx().retention_horizon())
    conn = catalog_db()
    segments = segments_between(conn, camera.name, start, end) if start < end else []
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
    room = export_room()
    try:
        with room.folder(space_needed(layout, segments)) as work:
            archive = build_export(layout, export, segments, outages, work)
            # The open file keeps the zip's data until the download ends (or the browser gives up),
            # while its folder is deleted now: nothing is left behind either way.
            handle = archive.open("rb")
    except (ExportFailed, ExportRefused) as exc:
        audit_request(AuditAction.EXPORT, camera.name, {**detail, "failed": str(exc)})
        return _refuse(_failure_message(exc))
    audit_request(AuditAction.EXPORT, camera.name, {**detail, "file": archive.name})
    return send_file(handle, mimetype="application/zip", as_attachment=True, download_name=archive.name)


def _failure_message(error: Exception) -> str:
    if isinstance(error, ExportRefused) and error.reason == Refusal.BUSY:
        return _("Other exports are being made right now. Try again in a few minutes.")
    if isinstance(error, ExportRefused):
        return _("Not enough free disk space for this export: export a shorter time range.")
    return _("The export failed: no recording in this time range, or it could not be cut.")


def _refuse(message: str):
    return render_template("export/form.html", values=request.form, error=message), 400
