"""Recorded video: the recordings page (camera + time, a timeline with outages and sightings that zooms
from 24 hours down to 5 minutes) and the two routes
every player uses: the list of segments around a moment, and the segment files themselves.

Segment files are served as they are, with HTTP byte ranges (the browser seeks inside the fragmented
MP4): no transcoding, so a Raspberry Pi serves video at the cost of a file copy. Each segment a session
watches is one audited video view, whatever byte ranges the player asks for (webui.auditing). Video
older than the retention horizon is not served, even if the daemon has not deleted it yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _

from accounts.audit import AuditAction
from edge.clock import parse_utc, utc_iso
from webui.access import PLATE_ROLES, allow, audit_request, needs_case, wants_json
from webui.auditing import record_viewing
from webui.blueprints.sightings import own_sighting_url
from webui.context import StoreMissing, catalog_db, ctx, known_camera, plates_db
from webui.reasons import reason_text
from webui.streams import long_lived
from webui.timeline import Mark, Row, Timeline, position, span_marks

bp = Blueprint("recordings", __name__)
MAX_WINDOW = timedelta(hours=24)
DEFAULT_WINDOW = timedelta(minutes=30)
ZOOMS = (1440, 360, 60, 15, 5)  # the timeline's spans, in minutes: 24 h down to 5 min
PLAYER_REACH = timedelta(seconds=60)  # the player starts with a minute before the moment


class BadMoment(ValueError):
    """A date and time in the query that Dozor cannot use: 400 with the value and an example."""


def _moment(name: str, default=None):
    value = request.args.get(name)
    if not value:
        return default
    try:
        return parse_utc(value)
    except ValueError:
        raise BadMoment(value[:40]) from None


@bp.errorhandler(BadMoment)
def _bad_moment(error: BadMoment):
    message = _(
        "“%(value)s” is not a date and time Dozor can show: use a time after 1970, for example "
        "2026-03-01T14:30.",
        value=str(error),
    )
    if wants_json():
        return jsonify(error=message), 400
    return render_template("error.html", code=400, message=message), 400


@bp.route("/recordings")
@allow(*PLATE_ROLES)
@needs_case
def page():
    """Pick a camera and a moment; the page shows 24 hours of that camera and plays from the moment."""
    from recorder.catalog import outages_between, segments_between

    cameras = ctx().config.cameras
    if not cameras:
        return render_template("recordings/page.html", camera=None, at=None, timeline=None, outages=[])
    camera = known_camera(request.args.get("camera") or cameras[0].name)
    now = ctx().clock.now()
    at = min(_moment("at", now - timedelta(minutes=5)), now)
    zoom = request.args.get("span", type=int)
    zoom = zoom if zoom in ZOOMS else ZOOMS[0]
    span = timedelta(minutes=zoom)
    end = min(at + span / 2, now)
    start = end - span
    conn = catalog_db()
    segments = segments_between(conn, camera.name, start, end)
    outages = outages_between(conn, camera.name, start, end)
    row = Row(title=camera.display_name)
    row.marks += span_marks([(s.start, s.end) for s in segments], start, end, "seg")
    row.marks += span_marks([(o.start, o.end or now) for o in outages], start, end, "outage")
    return render_template(
        "recordings/page.html",
        camera=camera.name,
        at=at,
        zoom=zoom,
        zooms=ZOOMS,
        reach=PLAYER_REACH,
        outages=outages,
        timeline=Timeline(start=start, end=end, rows=[row, _sighting_row(camera.name, start, end)]),
    )


def _sighting_row(camera: str, start, end) -> Row:
    """A mark per sighting of `camera` in the window, linked to its page; showing them is a plate-data
    read, audited with how many and which window."""
    from plate_index.camera_window import sightings_in_window

    row = Row(title=_("Sightings"))
    try:
        found = sightings_in_window(plates_db(), camera, start, end)
    except StoreMissing:
        return row
    horizon = ctx().retention_horizon()
    row.marks = [
        Mark(
            left=position(s.first_seen, start, end),
            width=0,
            label=s.plate,
            href=own_sighting_url(s.id),
        )
        for s in found
        if s.first_seen >= horizon or not ctx().gone(camera, s.first_seen, s.last_seen)  # a hold keeps it
    ]
    if row.marks:
        detail = {"from": utc_iso(start), "to": utc_iso(end), "sightings": len(row.marks)}
        audit_request(AuditAction.TIMELINE_SIGHTINGS, camera, detail)
    return row


@bp.route("/api/recordings/<camera>/segments")
@allow(*PLATE_ROLES)
@needs_case
def segments_api(camera: str):
    """Segments and outages of `camera` overlapping [from, to): what a player needs to play a moment."""
    known_camera(camera)
    return segments_answer(camera, lambda i: url_for("recordings.segment_file", segment_id=i))


def segments_answer(camera: str, url_of: Callable[[int], str]) -> Any:
    """The JSON of segments_api for a configured camera, each segment's file at `url_of(id)`: what this
    appliance's player and a hub's (webui.blueprints.node_api) read."""
    from recorder.catalog import outages_between, segments_between

    start = _moment("from", ctx().clock.now() - DEFAULT_WINDOW)
    end = _moment("to", start + DEFAULT_WINDOW)
    if end <= start or end - start > MAX_WINDOW:
        return jsonify(error="from/to must span at most 24 hours"), 400
    conn, horizon = catalog_db(), ctx().retention_horizon()
    segments = [
        {
            "id": s.id,
            "start": utc_iso(s.start),
            "end": utc_iso(s.end),
            "codec": s.codec,
            "width": s.width,
            "height": s.height,
            "state": s.state,
            "mime_codec": _mime_codec(s),
            "url": url_of(s.id),
        }
        for s in segments_between(conn, camera, start, end)
        if s.end >= horizon or not ctx().gone(camera, s.start, s.end)
    ]
    outages = [
        {"start": utc_iso(o.start), "end": utc_iso(o.end) if o.end else None, "reason": o.reason.stored(),
         "reason_text": reason_text(o.reason)}
        for o in outages_between(conn, camera, start, end)
    ]
    return jsonify(camera=camera, segments=segments, outages=outages)


def _mime_codec(segment) -> str | None:
    """The codec string a browser's MediaSource needs for this segment ("avc1.64001f"), from its
    header; None while the file has no header yet or cannot be read."""
    from webui.fmp4 import codec_string, init_segment

    try:
        init = init_segment(segment.file(ctx().layout))
    except (OSError, ValueError):
        return None
    return codec_string(init) if init else None


@bp.route("/video/segments/<int:segment_id>.mp4")
@long_lived
@allow(*PLATE_ROLES)
@needs_case
def segment_file(segment_id: int):
    from recorder.catalog import segment_by_id

    segment = segment_by_id(catalog_db(), segment_id)
    if segment is None or ctx().gone(segment.camera, segment.start, segment.end):
        abort(404)
    path = segment_path(segment)
    detail = {"segment": segment.id, "start": utc_iso(segment.start)}
    record_viewing(("segment", segment.id), AuditAction.VIDEO_VIEW, segment.camera, detail)
    return send_file(path, mimetype="video/mp4", conditional=True, max_age=0)


def segment_path(segment) -> Path:
    """The file of a catalogued segment of a configured camera, inside the segments folder; 404
    otherwise (a camera no longer configured, a row pointing elsewhere, a file already deleted)."""
    known_camera(segment.camera)
    layout = ctx().layout
    path = segment.file(layout)
    if not path.is_relative_to(layout.segments_dir.resolve()) or not path.is_file():
        abort(404)
    return path
