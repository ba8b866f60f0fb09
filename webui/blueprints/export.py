"""Evidence export for police: one camera, a time range and a reason (required) -> a zip with the
stream-copied video, a manifest and SHA-256 checksums (and the sighting it came from, if any). Every
export, and every failed or refused attempt, is audited with its reason; a finished one with the zip's
own SHA-256, which the form shows after the download (the receipt route reads it back from the audit
entry, found by the form's one-time ticket). Nothing older than the retention horizon is exported (it
starts at the horizon at the earliest). At most 2 hours per export, EXPORTS_AT_ONCE at a time, and only
with room on the disk (webui.export_room)."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_babel import gettext as _

from accounts import audit
from accounts.audit import AuditAction
from edge.clock import parse_utc, utc_iso
from webui.access import PLATE_ROLES, actor, allow, audit_request, needs_case
from webui.context import catalog_db, ctx, known_camera, web_db
from webui.evidence import ExportFailed, ExportRequest, build_export, sha256_of, space_needed
from webui.export_room import ExportRefused, ExportRoom, Refusal, remove_abandoned
from webui.streams import long_lived

bp = Blueprint("export", __name__)
ROOM = "dozor_export_room"
MAX_RANGE = timedelta(hours=2)
REASON_MIN, REASON_MAX = 5, 500
DEFAULT_RANGE = timedelta(minutes=10)  # the form opened from the menu: the last 10 minutes
TICKET = re.compile(r"^[A-Za-z0-9-]{16,64}$")


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
    values = dict(request.args)
    if not values.get("start") and not values.get("end"):
        now = ctx().clock.now().replace(microsecond=0)
        values |= {"start": utc_iso(now - DEFAULT_RANGE), "end": utc_iso(now)}
    return render_template("export/form.html", values=values, error=None)


@bp.route("/export/receipt")
@allow(*PLATE_ROLES)
@needs_case
def receipt():
    """The file name and SHA-256 of this user's export sent with `ticket`, from its audit entry
    (404 until the zip is made; the form asks again)."""
    ticket = request.args.get("ticket", "")
    if not TICKET.match(ticket):
        abort(404)
    for entry in audit.entries(web_db(), actor=actor(), action=AuditAction.EXPORT, limit=50):
        if entry.detail.get("ticket") == ticket:
            detail = entry.detail
            return jsonify(file=detail.get("file"), sha256=detail.get("sha256"), failed=detail.get("failed"))
    abort(404)


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
    # Video past the retention horizon is gone for the UI (as for the player), deleted or not yet,
    # unless a case hold keeps it: held video is kept precisely so that it can still be exported.
    conn, horizon = catalog_db(), ctx().retention_horizon()
    segments = [s for s in segments_between(conn, camera.name, start, end)
                if not ctx().gone(camera.name, s.start, s.end)]
    if not any(s.end < horizon for s in segments):  # nothing held before the horizon: the range starts there
        start = max(start, horizon)
        segments = segments if start < end else []
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
    ticket = values.get("ticket", "")
    if TICKET.match(ticket):
        detail["ticket"] = ticket
    sighting = _sighting(values.get("sighting_id", ""))
    if sighting is not None:
        detail |= {"sighting": sighting.id, "plate": sighting.plate}
    room = export_room()
    try:
        with room.folder(space_needed(layout, segments)) as work:
            archive = build_export(layout, export, segments, outages, work, sighting)
            digest = sha256_of(archive)
            # The open file keeps the zip's data until the download ends (or the browser gives up),
            # while its folder is deleted now: nothing is left behind either way.
            handle = archive.open("rb")
    except (ExportFailed, ExportRefused) as exc:
        audit_request(AuditAction.EXPORT, camera.name, {**detail, "failed": str(exc)})
        return _refuse(_failure_message(exc))
    audit_request(AuditAction.EXPORT, camera.name, {**detail, "file": archive.name, "sha256": digest})
    response = send_file(handle, mimetype="application/zip", as_attachment=True, download_name=archive.name)
    response.headers["X-Evidence-SHA256"] = digest
    return response


def _sighting(value: str):
    """The sighting an export was started from (its pictures and facts go into the zip), or None."""
    if not value:
        return None
    from webui.blueprints.sightings import load_sighting

    try:
        return load_sighting(int(value))
    except ValueError:
        abort(400)


def _failure_message(error: Exception) -> str:
    if isinstance(error, ExportRefused) and error.reason == Refusal.BUSY:
        return _("Other exports are being made right now. Try again in a few minutes.")
    if isinstance(error, ExportRefused):
        return _("Not enough free disk space for this export: export a shorter time range.")
    return _("The export failed: no recording in this time range, or it could not be cut.")


def _refuse(message: str):
    return render_template("export/form.html", values=request.form, error=message), 400
