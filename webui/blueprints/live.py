"""The volunteers' live grid and single-camera live view.

The grid shows the picture the recorder already writes once a second per camera (DataLayout.live_dir),
so twenty viewers cost twenty small file reads, not twenty decoders. In grids of up to 3×3, cameras with
a sub-stream (`live_url`) move instead: their sub-streams come as they are, all in one response
(webui.live_grid), from the files the recorder's relays write (recorder.live_relay). A click opens one
camera at full frame rate: the camera's own H.264, forwarded from the segment being recorded
(webui.live_stream).

Both show the whole frame at the camera's resolution, so passing cars' plates can be read on them: each
viewing is audited like recorded video is, with who, which camera, when it started and how long it
lasted (a start entry, and an end entry with the duration; webui.auditing).
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
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
from edge.config import CameraConfig
from edge.db import connect
from health.cameras import availability
from recorder.catalog import CameraStatus, camera_statuses
from recorder.live_relay import mark_relay_watched, newest_relay_file
from recorder.live_snapshots import live_picture, mark_watched
from webui.access import ALL_ROLES, allow
from webui.auditing import LIVE_IDLE, begin_live_stream, record_viewing
from webui.context import StoreMissing, camera_titles, catalog_db, ctx, known_camera
from webui.fmp4 import codec_string, init_segment
from webui.live_grid import MAX_TILES, multiplex
from webui.live_stream import follow
from webui.reasons import reason_text
from webui.sessions import DbSessionInterface
from webui.streams import long_lived

bp = Blueprint("live", __name__)
LAYOUTS = [f"{n}x{n}" for n in range(1, 6)]
FRESH_SECONDS = 10.0  # a segment file not written for this long is not live video


@bp.route("/live")
@allow(*ALL_ROLES)
def grid():
    screen = request.args.get("screen", 1, type=int)
    moving = [c.name for c in ctx().config.cameras if c.enabled and c.live_url]
    return render_template(
        "live/grid.html", layouts=LAYOUTS, screen=max(1, min(screen, 4)), camera_title_map=camera_titles(),
        moving=moving, max_moving=MAX_TILES,
    )


@bp.route("/live-grid/stream")
@long_lived
@allow(*ALL_ROLES)
def grid_stream():
    """The sub-streams of `?cameras=a,b,...` (up to MAX_TILES cameras with a `live_url`), multiplexed
    (webui.live_grid); one stream slot for the whole grid. Each camera's viewing is audited like the
    full-frame view's: an entry when the grid opens, an end entry with the duration when it closes."""
    names = [n for n in request.args.get("cameras", "").split(",") if n]
    if not names or len(names) > MAX_TILES or len(set(names)) != len(names):
        return jsonify(error=f"cameras= takes 1 to {MAX_TILES} different cameras"), 400
    cameras = [known_camera(name) for name in names]
    if any(not c.live_url or not c.enabled for c in cameras):
        return jsonify(error="only cameras with a live_url move in the grid"), 400
    layout = ctx().layout

    def keep_watched() -> None:
        for camera in cameras:
            mark_relay_watched(layout, camera.name)

    keep_watched()
    sessions = cast(DbSessionInterface, current_app.session_interface)
    held = cast(Any, session)._get_current_object()  # the session itself: the stream outlives the request
    ends = [begin_live_stream(c.name, kind="grid") for c in cameras]
    web = ctx().databases.web
    finders = [lambda name=c.name: newest_relay_file(layout, name) for c in cameras]
    messages = multiplex(finders, ctx().clock, lambda: sessions.keep_alive(held, web()), keep_watched)
    response = Response(stream_with_context(messages), mimetype="application/octet-stream",
                        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-store"})
    for end in ends:
        response.call_on_close(end)
    response.call_on_close(lambda: sessions.keep_alive(held, web()))
    return response


@bp.route("/live/<camera>.jpg")
@allow(*ALL_ROLES)
def picture(camera: str):
    path = live_file(camera)
    record_viewing(
        ("live", camera), AuditAction.LIVE_VIEW, camera, {"kind": "pictures"}, idle=LIVE_IDLE, ends=True
    )
    return live_response(camera, path)


def live_file(camera: str) -> Path:
    """The configured camera's live picture file; 404 for another name, a picture not written yet, or a
    symlink out of live/ (to web.db, a plate crop), which is not a live picture. Asking marks the camera
    watched, so the recorder refreshes it at live_fps (or makes its first picture)."""
    known_camera(camera)
    layout = ctx().layout
    mark_watched(layout, camera)
    path = layout.inside(live_picture(layout, camera))
    if not path.is_relative_to(layout.live_dir.resolve()) or not path.is_file():
        abort(404)
    return path


def live_response(camera: str, path: Path) -> Any:
    """The picture, with its age."""
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=False)
    response.headers["X-Picture-Age"] = f"{picture_age(path):.1f}"  # the tile shows how old it is
    return response


def picture_age(path: Path) -> float:
    """Seconds since the recorder last wrote this file (a live picture, a segment): the file's time and
    now both on this machine's clock, so a browser whose clock is off still shows the right age."""
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except OSError:
        return float("inf")


@bp.route("/api/live/status")
@allow(*ALL_ROLES)
def status():
    """Online/offline per configured camera, with since when and why, and how old its live picture
    is; no plate data. `?camera=` narrows it to one camera (the full-frame view polls it)."""
    only = request.args.get("camera")
    cameras = [known_camera(only)] if only else ctx().config.cameras
    rows = _status_rows()
    return jsonify(now=utc_iso(ctx().clock.now()), cameras=[camera_state(c, rows) for c in cameras])


def _status_rows() -> dict[str, CameraStatus]:
    try:
        return camera_statuses(catalog_db())
    except StoreMissing:
        return {}


def camera_state(camera: CameraConfig, rows: dict[str, CameraStatus] | None = None) -> dict[str, Any]:
    """What the grid's tile, the full-frame view and the Cameras page say about a camera: one source
    (health.cameras.availability over the recorder's status row), one reason text (webui.reasons)."""
    row = (_status_rows() if rows is None else rows).get(camera.name)
    now = ctx().clock.now()
    state = availability(camera.enabled, row, now)
    picture = live_picture(ctx().layout, camera.name)
    age = picture_age(picture)
    return {
        "camera": camera.name,
        "title": camera.display_name,
        "online": state.online,
        "recorder_down": camera.enabled and not state.recorder_running,
        "since": utc_iso(state.since) if state.since else None,
        "reason": state.reason.stored() if state.reason else "",
        "reason_text": reason_text(state.reason),
        "last_packet": utc_iso(row.last_packet) if row and row.last_packet else None,
        "picture_age": round(age, 1) if age != float("inf") else None,
    }


@bp.route("/live/<camera>")
@allow(*ALL_ROLES)
def single(camera: str):
    cam = known_camera(camera)
    return render_template("live/single.html", camera=cam, state=camera_state(cam))


@bp.route("/live/<camera>/stream")
@long_lived
@allow(*ALL_ROLES)
def stream(camera: str):
    """Fragmented MP4 of the camera for MediaSource (X-Codec carries the codec string), for as long as
    the viewer's session stands."""
    state = camera_state(known_camera(camera))
    current = _current_file_finder(camera)
    first = current()
    # never replay a dead camera's last seconds as if they were live: the recorder says it is offline,
    # or (the recorder not running) nothing was written to its newest file for FRESH_SECONDS
    if (
        (not state["online"] and not state["recorder_down"])
        or first is None
        or picture_age(first) > FRESH_SECONDS
    ):
        return jsonify(error="no live video for this camera right now", **state), 503
    init = init_segment(first)
    if init is None:
        return jsonify(error="no live video for this camera right now", **state), 503
    headers = {"X-Codec": codec_string(init) or "", "X-Accel-Buffering": "no"}
    sessions = cast(DbSessionInterface, current_app.session_interface)
    held = cast(Any, session)._get_current_object()  # the session itself: the stream outlives the request
    end_viewing = begin_live_stream(camera)
    web = ctx().databases.web
    frames = follow(current, ctx().clock, lambda: sessions.keep_alive(held, web()))
    response = Response(stream_with_context(frames), mimetype="video/mp4", headers=headers)
    response.call_on_close(end_viewing)  # when the viewer leaves, the camera stops, or the session ends
    response.call_on_close(lambda: sessions.keep_alive(held, web()))  # watched until now
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
