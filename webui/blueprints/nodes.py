"""The hub's side of "video stays on the node" (issue 17): another node's video, live pictures and plate
pictures, fetched from that node over HTTPS when a user here looks (edge.node_client, webui.node_links).

Users are on the hub, so the hub checks their role and case and audits each access as it audits its own
video (one entry per segment viewing, picture or live viewing, each naming the node); the node only
checks that the request comes from its hub. Node and camera names from the URL are checked against this
hub's [[nodes]] and the camera name rule before anything is sent; the node looks everything up by id.
When a node cannot be reached the answer says so ("video on village-a, not reachable now"), and the
search keeps answering from the shared index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from accounts.audit import AuditAction
from edge.config import CAMERA_NAME_RE
from edge.node_client import NodeClient, NodeResponse, NodeUnreachable
from plate_index.search import SightingHit
from webui.access import ALL_ROLES, PLATE_ROLES, allow, needs_case
from webui.auditing import record_viewing
from webui.node_links import NodeLinks, NodeState
from webui.streams import long_lived

log = logging.getLogger(__name__)
bp = Blueprint("nodes", __name__)
EXTENSION = "dozor_nodes"
LIVE_IDLE = timedelta(seconds=30).total_seconds()
_RANGE = re.compile(r"bytes=\d*-\d*")


def links() -> NodeLinks:
    return current_app.extensions[EXTENSION]


def unreachable_text(node: str) -> str:
    return _("Video on %(node)s, not reachable now.", node=node)


def video_notes(hits: list[SightingHit], elsewhere: Any) -> dict[str, str]:
    """For each node of `hits` (those `elsewhere(hit)` says are another node's) whose video cannot be
    played now: the words the results show."""
    nodes = {hit.node for hit in hits if hit.node and elsewhere(hit)}
    if not nodes:
        return {}
    states = links().states(nodes)
    return {name: unreachable_text(name) for name, state in states.items() if not state.reachable}


def fetch(node: str, *segments: str | int, params: dict[str, str] | None = None,
          headers: dict[str, str] | None = None) -> NodeResponse | None:
    """The node's answer, or None when it cannot be reached or failed to answer a moment ago (noted
    for the next search); 404 for a node that is not one of this hub's [[nodes]]."""
    return _asked(node, lambda client: client.get(*segments, params=params, headers=headers))


def send(node: str, *segments: str | int, body: dict[str, Any]) -> NodeResponse | None:
    """POST `body` to the node (as fetch)."""
    return _asked(node, lambda client: client.post_json(*segments, body=body))


def _asked(node: str, ask: Callable[[NodeClient], NodeResponse]) -> NodeResponse | None:
    client = links().client(node)
    if client is None:
        abort(404)
    if links().down(node) is not None:  # it failed to answer a moment ago: not waited for again yet
        return None
    try:
        response = ask(client)
    except NodeUnreachable as exc:
        links().note(node, False, str(exc))
        return None
    links().note(node, True)
    return response


def _unreachable(node: str) -> Any:
    return jsonify(error=unreachable_text(node), node=node), 503


def _camera(camera: str) -> str:
    if not CAMERA_NAME_RE.match(camera):
        abort(404)
    return camera


def relay(response: NodeResponse) -> Response:
    """The node's answer passed on as it arrives (status, type, length, byte range)."""
    return Response(response.chunks(), status=response.status, headers=response.headers,
                    direct_passthrough=True)


def picture(hit: SightingHit, kind: str) -> Any:
    """Another node's sighting picture (the sightings blueprint audits it as its own)."""
    assert hit.node is not None and hit.node_sighting is not None
    response = fetch(hit.node, "sightings", hit.node_sighting, kind)
    if response is None:
        return _unreachable(hit.node)
    if response.status != 200:
        response.close()
        abort(404)
    return relay(response)


@bp.route("/nodes/<node>/api/segments/<camera>")
@allow(*PLATE_ROLES)
@needs_case
def segments(node: str, camera: str):
    """A node's segments around a moment, for the player, each segment's URL on this hub."""
    params = {k: request.args[k] for k in ("from", "to") if k in request.args}
    response = fetch(node, "segments", _camera(camera), params=params)
    if response is None:
        return _unreachable(node)
    status = response.status
    if status not in (200, 400):  # 400: the node's words on a bad from/to, in JSON
        response.close()
        abort(404 if status == 404 else 502)
    try:
        answer = response.json()
    except ValueError:
        abort(502)
    if status != 200 or not isinstance(answer, dict):
        return jsonify(answer), 400 if status == 400 else 502
    for segment in answer.get("segments", []):
        segment_id = int(segment["id"])
        segment["url"] = url_for("nodes.segment_file", node=node, camera=camera, segment_id=segment_id)
    return jsonify(answer)


@bp.route("/nodes/<node>/video/<camera>/<int:segment_id>.mp4")
@long_lived
@allow(*PLATE_ROLES)
@needs_case
def segment_file(node: str, camera: str, segment_id: int):
    """One of a node's segment files, streamed through; one audited video view per segment watched."""
    asked = request.headers.get("Range", "")
    headers = {"Range": asked} if _RANGE.fullmatch(asked) else {}
    response = fetch(node, "segments", _camera(camera), segment_id, headers=headers)
    if response is None:
        return _unreachable(node)
    if response.status not in (200, 206):
        response.close()
        abort(404)
    record_viewing(("node-segment", node, segment_id), AuditAction.VIDEO_VIEW, camera,
                   {"node": node, "segment": segment_id})
    return relay(response)


@bp.route("/nodes/<node>/live/<camera>.jpg")
@allow(*ALL_ROLES)
def live_picture(node: str, camera: str):
    """A node camera's live picture, audited as this hub's own live pictures are."""
    response = fetch(node, "live", _camera(camera))
    if response is None:
        return _unreachable(node)
    if response.status != 200:
        response.close()
        abort(404)
    record_viewing(("live", node, camera), AuditAction.LIVE_VIEW, camera,
                   {"kind": "pictures", "node": node}, idle=LIVE_IDLE, ends=True)
    return relay(response)


@bp.route("/nodes")
@allow(*ALL_ROLES)
def page() -> str:
    """Every node of this hub: reachable or not, and its cameras' live pictures."""
    states: list[NodeState] = links().all_states()
    return render_template("nodes/page.html", states=states)
