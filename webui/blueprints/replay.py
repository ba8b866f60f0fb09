""""Replay the last 30 s" from a tile of the live grid: what just happened on that camera, from its
recordings, for everyone who may watch the grid (volunteers on duty included).

It is live-grid-level on purpose: a volunteer who saw something move wants it again at once, and 30
seconds back is little more than the live view shows. It reaches no further: the list holds only the
segments overlapping the last REPLAY_SECONDS, and a segment file is served here only while it ends
within REPLAY_SECONDS + REACH_SLACK of now (a segment file holds up to `recorder.segment_seconds`, so the
player may scrub that much earlier). Older video stays with the police's recordings page. Each replay
is one audit entry (LIVE_REPLAY: camera, window, segments); fetching its files adds none.

The page is the sighting player (templates/player.html, static/js/player.js): the segment files as they
are, in one MediaSource buffer. The segment still being written is served up to its last complete
fragment, so the browser never gets half a fragment.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, jsonify, render_template, url_for

from accounts.audit import AuditAction
from edge.clock import utc_iso
from webui.access import ALL_ROLES, allow, audit_request
from webui.auditing import cover, record_viewing
from webui.context import catalog_db, ctx, known_camera
from webui.fmp4 import fragments_from
from webui.streams import long_lived

bp = Blueprint("replay", __name__)
REPLAY_SECONDS = 30
REACH_SLACK = timedelta(seconds=60)  # the page asks for the files right after the list
CHUNK = 256 * 1024


@bp.route("/live/<camera>/replay")
@allow(*ALL_ROLES)
def page(camera: str):
    cam = known_camera(camera)
    end = ctx().clock.now()
    start = end - timedelta(seconds=REPLAY_SECONDS)
    return render_template("live/replay.html", camera=cam, start=start, end=end,
                           segments_url=url_for("replay.segments", camera=cam.name))


@bp.route("/api/live/<camera>/replay")
@allow(*ALL_ROLES)
def segments(camera: str):
    """The segments of the last REPLAY_SECONDS of `camera`, in the shape the player takes
    (webui.blueprints.recordings.segments_api); one audit entry per replay."""
    from recorder.catalog import segments_between
    from webui.blueprints.recordings import _mime_codec

    known_camera(camera)
    end = ctx().clock.now()
    start = end - timedelta(seconds=REPLAY_SECONDS)
    found = segments_between(catalog_db(), camera, start, end)
    audit_request(AuditAction.LIVE_REPLAY, camera,
                  {"from": utc_iso(start), "to": utc_iso(end), "segments": [s.id for s in found]})
    cover([("replay-segment", s.id) for s in found])
    return jsonify(camera=camera, outages=[], segments=[
        {
            "id": s.id,
            "start": utc_iso(s.start),
            "end": utc_iso(s.end),
            "state": s.state,
            "mime_codec": _mime_codec(s),
            "url": url_for("replay.segment_file", segment_id=s.id),
        }
        for s in found
    ])


@bp.route("/live-replay/<int:segment_id>.mp4")
@long_lived
@allow(*ALL_ROLES)
def segment_file(segment_id: int):
    """A segment of the last REPLAY_SECONDS (404 for any older one), up to its last complete fragment."""
    from recorder.catalog import segment_by_id
    from webui.blueprints.recordings import segment_path

    segment = segment_by_id(catalog_db(), segment_id)
    now = ctx().clock.now()
    if segment is None or segment.end < now - timedelta(seconds=REPLAY_SECONDS) - REACH_SLACK:
        abort(404)
    path = segment_path(segment)
    _ranges, length = fragments_from(path, 0)
    record_viewing(("replay-segment", segment.id), AuditAction.LIVE_REPLAY, segment.camera,
                   {"segment": segment.id, "start": utc_iso(segment.start)})
    handle = path.open("rb")

    def body():
        with handle:
            left = length
            while left > 0:
                chunk = handle.read(min(CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk

    return Response(body(), mimetype="video/mp4",
                    headers={"Content-Length": str(length), "Cache-Control": "no-store"})
