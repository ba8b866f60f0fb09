"""What the hub may fetch from this node: the node's half of "video stays where it was recorded" (issue 17).

Routes under /node/v1/ answer the hub only: no session and no user, but the key whose SHA-256 is this
node's [index] hub_key_sha256 (`Authorization: Bearer <key>`, compared in constant time; the key itself
is never stored here, never logged). They answer only over HTTPS (`[web] tls = true`), and not at all
while hub_key_sha256 is "": an appliance standing alone serves nothing to anyone without an account.

The users are on the hub, and the hub audits each of their accesses with the user and the case
(webui.blueprints.nodes); a refused request is logged here with the address it came from. Everything
served is looked up by id or by a configured camera name in this node's own stores (plates.db, the
catalog), never by a path from the request; retention and holds apply as on this node's own UI.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, jsonify, request, send_file, url_for

from accounts import audit
from accounts.audit import AuditAction
from accounts.cases import Case
from edge.clock import to_epoch, utc_iso
from edge.node_client import key_hash
from recorder import holds
from webui.access import client_ip, public
from webui.blueprints.holds import SIGHTING_MARGIN, days_left
from webui.blueprints.recordings import segment_path, segments_answer
from webui.context import catalog_db, ctx, known_camera, plates_db, web_db
from webui.evidence_sighting import picture_file

log = logging.getLogger(__name__)
bp = Blueprint("node_api", __name__, url_prefix="/node/v1")
PICTURES = ("crop", "scene")


def hub_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only the hub holding this node's key, over HTTPS; 404 while no hub key is set or without TLS."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        config = ctx().config
        expected = config.index.hub_key_sha256
        if not expected or not config.web.tls:
            abort(404)
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not key or not hmac.compare_digest(key_hash(key), expected):
            log.warning("refused a request for %s from %s: not the hub's key", request.path, client_ip())
            return jsonify(error="this node answers its hub only"), 403
        return view(*args, **kwargs)

    return public(checked)


@bp.route("/ping")
@hub_only
def ping():
    """This node's name and cameras: the hub's check that it is reachable and is the node it expects."""
    config = ctx().config
    cameras = [{"name": c.name, "title": c.display_name} for c in config.cameras if c.enabled]
    return jsonify(node=config.index.node_name, time=utc_iso(ctx().clock.now()), cameras=cameras)


@bp.route("/sightings/<int:sighting_id>/<kind>")
@hub_only
def sighting_picture(sighting_id: int, kind: str):
    """A sighting's plate or scene picture, by this node's own sighting id (the index's node_id)."""
    from plate_index.search import get_sighting

    if kind not in PICTURES:
        abort(404)
    hit = get_sighting(plates_db(), sighting_id)
    if hit is None or ctx().gone(hit.camera, hit.first_seen, hit.last_seen):
        abort(404)
    path = picture_file(ctx().layout, hit.crop_path if kind == "crop" else hit.scene_path)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=0)


@bp.route("/segments/<camera>")
@hub_only
def segments(camera: str):
    """As recordings.segments_api, each segment's URL relative to this node's API (the hub maps it)."""
    known_camera(camera)
    return segments_answer(camera, lambda i: url_for("node_api.segment_file", camera=camera, segment_id=i))


@bp.route("/segments/<camera>/<int:segment_id>")
@hub_only
def segment_file(camera: str, segment_id: int):
    """One segment file with HTTP byte ranges, as this node's own player gets it."""
    from recorder.catalog import segment_by_id

    segment = segment_by_id(catalog_db(), segment_id)
    if segment is None or segment.camera != camera or ctx().gone(camera, segment.start, segment.end):
        abort(404)
    return send_file(segment_path(segment), mimetype="video/mp4", conditional=True, max_age=0)


segment_file.dozor_long_lived = True  # type: ignore[attr-defined]  # served on the video threads


@bp.route("/live/<camera>")
@hub_only
def live_picture(camera: str):
    """The camera's newest live picture; asking for it keeps the camera's live pictures coming."""
    from webui.blueprints.live import live_file, live_response

    return live_response(camera, live_file(camera))


@bp.route("/holds", methods=["POST"])
@hub_only
def place_hold():
    """A case hold an officer on the hub placed on one of this node's sightings: kept here, where the
    video is, and audited here too (actor "hub:<user>"), within this node's own limits."""
    from plate_index.search import get_sighting

    body = request.get_json(silent=True)
    try:
        sighting_id, days = int(body["sighting_id"]), int(body["days"])
        case = Case(str(body["case_number"])[:64], str(body["case_reason"])[:64])
        placed_by = "hub:" + str(body["placed_by"])[:64]
    except (KeyError, TypeError, ValueError):
        return jsonify(error="a hold needs sighting_id, days, case_number, case_reason and placed_by"), 400
    hit = get_sighting(plates_db(), sighting_id)
    if hit is None or ctx().gone(hit.camera, hit.first_seen, hit.last_seen):
        abort(404)
    now = ctx().clock.now()
    end = hit.last_seen + SIGHTING_MARGIN
    left = min(days_left(end, now), ctx().config.access.max_hold_days)
    if not 1 <= days <= left:
        return jsonify(error=f"this video may be held for 1 to {left} days", days_left=left), 400
    until = now + timedelta(days=days)
    hold = holds.Hold(0, hit.camera, to_epoch(hit.first_seen - SIGHTING_MARGIN), to_epoch(end), sighting_id,
                      case.number, case.reason, placed_by, to_epoch(now), to_epoch(until))
    conn = holds.open_holds(ctx().layout)
    try:
        hold_id = holds.place(conn, hold)
        try:
            audit.append(web_db(), ctx().clock, actor=placed_by, ip=client_ip(),
                         action=AuditAction.HOLD_PLACED, target=f"hold {hold_id}", detail=hold.audit_detail(),
                         case=case)
        except BaseException:
            holds.withdraw(conn, hold_id)  # no hold the audit log does not tell of
            raise
    finally:
        conn.close()
    return jsonify(hold_id=hold_id, until=utc_iso(until), camera=hit.camera)
