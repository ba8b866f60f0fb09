"""The sighting page: scene and plate pictures, the facts, the video from 2 s before (scrubbable a minute
either way, the car's span marked), and the
plate's "route" (every sighting of the same plate across cameras on one timeline).

Opening a sighting is audited, and so is every picture not shown by the sighting page or a search
result list that wrote an entry for it (webui.auditing). Pictures are served only to police and admins,
from files under the plate image folder, never by a path taken from the URL. A sighting older than the
retention horizon is not found, even if the daemon has not deleted it yet.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from accounts.audit import AuditAction
from webui.access import PLATE_ROLES, allow, audit_request, needs_case
from webui.auditing import cover, record_viewing
from webui.blueprints.nodes import picture as node_picture
from webui.blueprints.nodes import video_notes
from webui.context import camera_titles, ctx, plate_search, plates_db
from webui.evidence_sighting import picture_file
from webui.hit_labels import camera_title, direction_text
from webui.timeline import route_timeline

bp = Blueprint("sightings", __name__)
PICTURES = {"crop", "scene"}
VIDEO_LEAD = timedelta(seconds=2)  # opens on this car, not on the one before it
VIDEO_REACH = timedelta(seconds=60)  # the player scrubs this far either side of the sighting
EXPORT_MARGIN = timedelta(seconds=5)
ROUTE_LIMIT = 500


def load_sighting(sighting_id: int):
    hit = plate_search().get_sighting(sighting_id)
    if hit is None or ctx().gone(hit.camera, hit.first_seen, hit.last_seen):
        abort(404)
    return hit


def picture_key(sighting_id: int, kind: str) -> tuple:
    """What a viewing of one sighting picture is called (webui.viewings)."""
    return ("sighting-picture", sighting_id, kind)


@bp.route("/sightings/<int:sighting_id>")
@allow(*PLATE_ROLES)
@needs_case
def page(sighting_id: int):
    from plate_index.normalise import BadQuery

    hit = load_sighting(sighting_id)
    audit_request(AuditAction.SIGHTING_VIEW, str(hit.id), {"plate": hit.plate, "camera": hit.camera})
    cover([picture_key(hit.id, kind) for kind in PICTURES])  # the page shows both under its entry
    try:
        horizon = ctx().retention_horizon()
        same = plate_search().search(hit.plate, exact=True, since=horizon, limit=ROUTE_LIMIT)
        route = sorted((h for h in same if h.plate == hit.plate), key=lambda h: h.first_seen) or [hit]
    except BadQuery:  # a plate text search cannot take (too short, odd characters): just this sighting
        route = [hit]
    titles = camera_titles()
    elsewhere = ctx().elsewhere(hit)
    return render_template(
        "sightings/page.html",
        hit=hit,
        elsewhere=elsewhere,
        video_note=video_notes([hit], ctx().elsewhere).get(hit.node or "") if elsewhere else None,
        titles=titles,
        camera_title=camera_title,
        direction_text=direction_text,
        route=route,
        timeline=route_timeline(route, current=hit.id, title=lambda h: camera_title(h, titles)),
        video_from=hit.first_seen - VIDEO_LEAD,
        video_reach=VIDEO_REACH,
        export_margin=EXPORT_MARGIN,
        max_hold_days=ctx().config.access.max_hold_days,
        printed_at=ctx().clock.now(),
    )


def own_sighting_url(node_sighting: int) -> str:
    """The page of this appliance's own sighting by its plates.db number: that number's page when search
    reads plates.db, else the redirect through the shared index (here)."""
    if ctx().config.index.url:
        return url_for("sightings.here", node_sighting=node_sighting)
    return url_for("sightings.page", sighting_id=node_sighting)


@bp.route("/sightings/here/<int:node_sighting>")
@allow(*PLATE_ROLES)
@needs_case
def here(node_sighting: int):
    """This appliance's own sighting by its plates.db number: what its recordings timeline, alerts,
    passes and holds link to. Search may read the shared index, which numbers every node's sightings
    together, so the number is looked up there (this appliance's name and its own number) and the
    sighting's page opened under the number search gives it; alone, the numbers are the same."""
    from plate_index.search import get_sighting

    found = plate_search().own_sighting(ctx().config.index.node_name, node_sighting)
    if found is None:
        if get_sighting(plates_db(), node_sighting) is None:  # deleted here (and there) meanwhile
            abort(404)
        message = _("This sighting has not reached the shared plate index yet. Try again in a minute.")
        return render_template("error.html", code=503, message=message), 503
    return redirect(url_for("sightings.page", sighting_id=found))


@bp.route("/sightings/<int:sighting_id>/<kind>.jpg")
@allow(*PLATE_ROLES)
@needs_case
def picture(sighting_id: int, kind: str):
    if kind not in PICTURES:
        abort(404)
    hit = load_sighting(sighting_id)
    detail = {"kind": kind, "plate": hit.plate, "camera": hit.camera}
    if ctx().elsewhere(hit):  # kept on its node: fetched from there (webui.blueprints.nodes)
        if not (hit.crop_path if kind == "crop" else hit.scene_path):
            abort(404)
        answer = node_picture(hit, kind)
        if getattr(answer, "status_code", 0) == 200:
            record_viewing(picture_key(hit.id, kind), AuditAction.SIGHTING_PICTURE, str(hit.id),
                           {**detail, "node": hit.node})
        return answer
    path = picture_file(ctx().layout, hit.crop_path if kind == "crop" else hit.scene_path)
    if path is None:
        abort(404)
    record_viewing(picture_key(hit.id, kind), AuditAction.SIGHTING_PICTURE, str(hit.id), detail)
    return send_file(path, mimetype="image/jpeg", max_age=0)
