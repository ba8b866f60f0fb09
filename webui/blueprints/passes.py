"""Passes without a plate: police who know the place and the hour but not the plate ("a motorcycle
crossed the bridge between 2 and 3 a.m.") choose a camera and a time window and see every pass there,
read or not, with its plate picture (webui.pass_pictures), a page at a time.

Each page shown is a read of plate data and writes an audit entry (camera, window, page); its plate
pictures are fetched under that entry. A pass the OCR read links to its sighting, with the plate text.
Nothing before the retention horizon is shown, except what a case hold keeps (recorder.holds): held
passes stay in the store and on this page, with their pictures, until the hold ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from accounts.audit import AuditAction
from edge.clock import from_epoch, parse_utc, to_epoch, utc_iso
from webui.access import PLATE_ROLES, allow, audit_request, needs_case
from webui.auditing import cover, record_viewing
from webui.context import StoreMissing, camera_titles, catalog_db, ctx, plates_db

bp = Blueprint("passes", __name__)
PAGE_SIZE = 40
DEFAULT_WINDOW = timedelta(hours=1)


def picture_key(pass_id: int) -> tuple:
    """What a viewing of one pass picture is called (webui.viewings)."""
    return ("pass-picture", pass_id)


@bp.route("/passes")
@allow(*PLATE_ROLES)
@needs_case
def page():
    from plate_index.passes import count_passes, passes_between, sightings_of

    cameras = ctx().config.cameras
    camera = request.args.get("camera") or (cameras[0].name if cameras else "")
    error = None
    try:
        since, until = _window()
    except ValueError:
        error = _("A time filter is not a valid date and time.")
        until = ctx().clock.now()
        since = until - DEFAULT_WINDOW
    if camera not in {c.name for c in cameras}:
        abort(404)
    number = max(1, request.args.get("page", 1, type=int) or 1)
    detail = {"since": utc_iso(since), "until": utc_iso(until), "page": number}
    audit_request(AuditAction.PASSES_VIEW, camera, detail)
    rows, total, read = [], 0, {}
    if error is None:
        try:
            conn = plates_db()
            window, shown = (to_epoch(since), to_epoch(until)), _shown()
            total = count_passes(conn, camera, *window, shown)
            rows = passes_between(conn, camera, *window, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
                                  shown=shown)
            read = sightings_of(conn, rows)
        except StoreMissing:
            pass
    cover(picture_key(row.id) for row in rows)
    return render_template(
        "passes/page.html",
        cameras=cameras,
        camera=camera,
        titles=camera_titles(),
        since=utc_iso(since),
        until=utc_iso(until),
        rows=rows,
        read=read,
        total=total,
        number=number,
        first=(number - 1) * PAGE_SIZE + 1,
        pages=max(1, -(-total // PAGE_SIZE)),
        error=error,
        iso=lambda epoch: utc_iso(from_epoch(epoch)),
    )


@bp.route("/passes/<int:pass_id>.jpg")
@allow(*PLATE_ROLES)
@needs_case
def picture(pass_id: int):
    from plate_index.passes import get_pass
    from webui.pass_pictures import pass_picture

    stored = get_pass(plates_db(), pass_id)
    if stored is None or stored.seen is None or stored.box is None:
        abort(404)
    if ctx().gone(stored.camera, from_epoch(stored.first_seen), from_epoch(stored.last_seen)):
        abort(404)
    record_viewing(picture_key(pass_id), AuditAction.SIGHTING_PICTURE, f"pass {pass_id}",
                   {"kind": "pass", "camera": stored.camera})
    jpeg = pass_picture(catalog_db(), ctx().layout, stored.camera, stored.seen, stored.box)
    if jpeg is None:
        abort(404)
    return Response(jpeg, mimetype="image/jpeg")


def _shown():
    """Which passes the page may show (plate_index.passes.Shown): from the retention horizon on, and
    older ones a case hold keeps."""
    from plate_index.passes import Shown
    from recorder.holds import active

    now = ctx().clock.now()
    return Shown(to_epoch(ctx().retention_horizon()), active(ctx().layout, to_epoch(now)))


def _window() -> tuple[datetime, datetime]:
    """The chosen window (UTC ISO in the query string), by default the last hour."""
    until_text, since_text = request.args.get("until"), request.args.get("since")
    until = parse_utc(until_text) if until_text else ctx().clock.now()
    since = parse_utc(since_text) if since_text else until - DEFAULT_WINDOW
    if since >= until:
        raise ValueError("the window ends before it starts")
    return since, until
