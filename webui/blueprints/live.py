"""The volunteers' live grid and single-camera live view.

The grid shows the picture the recorder already writes once a second per camera (DataLayout.live_dir),
so twenty viewers cost twenty small file reads, not twenty decoders. A click opens one camera at full
frame rate: the camera's own H.264, forwarded from the segment being recorded (webui.live_stream).

Both show the whole frame at the camera's resolution, so passing cars' plates can be read on them: each
viewing is audited like recorded video is, with who, which camera, when it started and how long it
lasted (a start entry, and an end entry with the duration; webui.auditing).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    session,
    stream_with_context,
)

from accounts.audit import AuditAction
from edge.clock import utc_iso
from edge.db import connect
from health.cameras import availability
from recorder.live_snapshots import mark_watched
from webui.access import ALL_ROLES, allow
from webui.auditing import LIVE_IDLE, begin_live_stream, record_viewing
from webui.context import StoreMissing, camera_titles, catalog_db, ctx, known_camera
from webui.fmp4 import codec_string, init_segment
from webui.live_stream import follow
from webui.reasons import reason_text
from webui.sessions import DbSessionInterface
from webui.streams import long_lived

bp = Blueprint("live", __name__)
LAYOUTS = [f"{n}x{n}" for n in range(1, 6)]


@bp.route("/live")
@allow(*ALL_ROLES)
def grid():
    screen = request.args.get("screen", 1, type=int)
    return render_template(
        "live/grid.html", layouts=LAYOUTS, screen=max(1, min(screen, 4)), camera_title_map=camera_titles()
    )


@bp.route("/live/<camera>.jpg")
@allow(*ALL_ROLES)
def picture(camera: str):
    known_camera(camera)
    layout = ctx().layout
    path = layout.inside(layout.live_dir / f"{camera}.jpg")
    if not path.is_relative_to(layout.live_dir.resolve()) or not path.is_file():
        abort(404)  # a symlink out of live/ (to web.db, a plate crop) is not a live picture
    record_viewing(
        ("live", camera), AuditAction.LIVE_VIEW, camera, {"kind": "pictures"}, idle=LIVE_IDLE, ends=True
    )
    mark_watched(layout, camera)  # the recorder refreshes a watched camera at live_fps
    return send_file(path, mimetype="image/jpeg", max_age=0, conditional=False)


@bp.route("/api/live/status")
@allow(*ALL_ROLES)
def status():
    """Online/offline per configured camera, with since when and why; no plate data."""
    from recorder.catalog import camera_statuses

    try:
        statuses = camera_statuses(catalog_db())
    except StoreMissing:
        statuses = {}
    now = ctx().clock.now()
    out = []
    for camera in ctx().config.cameras:
        state = availability(camera.enabled, statuses.get(camera.name), now)
        out.append(
            {
                "camera": camera.name,
                "title": camera.display_name,
                "online": state.online,
                "recorder_down": camera.enabled and not state.recorder_running,
                "since": utc_iso(state.since) if state.since else None,
                "reason": state.reason.stored() if state.reason else "",
                "reason_text": reason_text(state.reason),
            }
        )
    return jsonify(now=utc_iso(now), cameras=out)


@bp.route("/live/<camera>")
@allow(*ALL_ROLES)
def single(camera: str):
    cam = known_camera(camera)
    return render_template("live/single.html", camera=cam)


@bp.route("/live/<camera>/stream")
@long_lived
@allow(*ALL_ROLES)
def stream(camera: str):
    """Fragmented MP4 of the camera for MediaSource (X-Codec carries the codec string), for as long as
    the viewer's session stands."""
    known_camera(camera)
    current = _current_file_finder(camera)
    first = current()
    init = init_segment(first) if first else None
    if init is None:
        return jsonify(error="no live video for this camera right now"), 503
    headers = {"X-Codec": codec_string(init) or "", "X-Accel-Buffering": "no"}
    sessions = cast(DbSessionInterface, current_app.session_interface)
    held = cast(Any, session)._get_current_object()  # the session itself: the stream outlives the request
    end_viewing = begin_live_stream(camera)
    frames = follow(current, ctx().clock, lambda: sessions.still_valid(held))
    response = Response(stream_with_context(frames), mimetype="video/mp4", headers=headers)
    response.call_on_close(end_viewing)  # when the viewer leaves, the camera stops, or the session ends
    return response


def _current_file_finder(camera: str):
    """A function returning the file of the camera's newest segment (its own read-only connection,
    since the stream outlives the request's)."""
    from recorder.catalog import segments_between

    layout, clock = ctx().layout, ctx().clock

    def current():
        if not layout.catalog_db.exists():
            return None
        conn = connect(layout.catalog_db, readonly=True)
        try:
            now = clock.now()
            recent = segments_between(conn, camera, now - timedelta(minutes=10), now + timedelta(minutes=1))
        finally:
            conn.close()
        if not recent:
            return None
        try:
            return recent[-1].file(layout)
        except ValueError:
            return None

    return current
