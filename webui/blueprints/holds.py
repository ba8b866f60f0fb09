"""Case holds from the web UI: an officer keeps the video of a sighting, or of a time range on a camera,
past retention for the case at hand (recorder.holds), until an end date within `access.max_hold_days`.

`/holds` (police and admins, with a case) places holds and lists one's own; the admin page lists every
hold and releases any (`/admin/holds/<id>/release`, no case needed: releasing is oversight, not
looking at plate data). Placing and releasing are audited with the hold (camera, time range, end date,
no plate text); the daemon audits holds reaching their end date (dozor.holds_job).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from accounts.audit import AuditAction
from accounts.cases import Case
from accounts.users import Role
from edge.clock import parse_utc, to_epoch
from plate_index.search import SightingHit
from recorder import holds
from webui.access import PLATE_ROLES, actor, allow, audit_request, current_case, current_user, needs_case
from webui.context import camera_titles, ctx, known_camera
from webui.i18n import local_time

bp = Blueprint("holds", __name__)
SIGHTING_MARGIN = timedelta(minutes=1)  # video kept before and after a sighting
MAX_RANGE = timedelta(days=1)


def holds_db():
    return holds.open_holds(ctx().layout)


@bp.route("/holds")
@allow(*PLATE_ROLES)
@needs_case
def page():
    return _page()


@bp.route("/holds", methods=["POST"])
@allow(*PLATE_ROLES)
@needs_case
def place():
    case = current_case()
    if case is None:  # require_case is off: a hold still belongs to a case
        return redirect(url_for("cases.choose", next=url_for("holds.page")))
    days = request.form.get("days", type=int)
    limit = ctx().config.access.max_hold_days
    remote = _elsewhere_sighting()
    if remote is not None:
        return _hold_on_node(remote, days, case)
    try:
        camera, start, end, sighting = _what_to_hold()
    except ValueError as error:
        return _page(str(error)), 400
    if days is None or not 1 <= days <= limit:
        return _page(_("Keep it for 1 to %(n)d days.", n=limit)), 400
    now = ctx().clock.now()
    left = days_left(end, now)
    if days > left:
        if left < 1:
            return _page(_("This video has been kept as long as holds may keep it (%(n)d days past the "
                           "usual retention). Export it to keep it longer.", n=limit)), 400
        return _page(_("This video may be held for at most %(n)d more days.", n=left)), 400
    hold = holds.Hold(0, camera, to_epoch(start), to_epoch(end), sighting, case.number, case.reason, actor(),
                      to_epoch(now), to_epoch(now + timedelta(days=days)))
    conn = holds_db()
    try:
        hold_id = holds.place(conn, hold)
        try:
            audit_request(AuditAction.HOLD_PLACED, f"hold {hold_id}", hold.audit_detail())
        except BaseException:
            holds.withdraw(conn, hold_id)  # no hold the audit log does not tell of
            raise
    finally:
        conn.close()
    return redirect(url_for("holds.page"))


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@allow(*PLATE_ROLES)
@needs_case
def release(hold_id: int):
    return _release(hold_id, mine_only=not _is_admin(), back=url_for("holds.page"))


@bp.route("/admin/holds/<int:hold_id>/release", methods=["POST"])
@allow(Role.ADMIN)
def admin_release(hold_id: int):
    return _release(hold_id, mine_only=False, back=url_for("admin.overview"))


def _release(hold_id: int, *, mine_only: bool, back: str):
    conn = holds_db()
    try:
        hold = holds.get(conn, hold_id)
        if hold is None or (mine_only and hold.placed_by != actor()):
            abort(404)
        if hold.released_at is None:  # the entry first: a release the log cannot tell of does not happen
            detail = {**hold.audit_detail(), "case": hold.case_number, "reason": hold.case_reason}
            audit_request(AuditAction.HOLD_RELEASED, f"hold {hold_id}", detail)
            holds.release(conn, hold_id, to_epoch(ctx().clock.now()), actor())
    finally:
        conn.close()
    return redirect(back)


def _elsewhere_sighting() -> SightingHit | None:
    """The sighting the form names, when another node of the shared index holds its video."""
    from webui.context import plate_search

    sighting_id = request.form.get("sighting_id", type=int)
    if sighting_id is None:
        return None
    hit = plate_search().get_sighting(sighting_id)
    return hit if hit is not None and ctx().elsewhere(hit) else None


def _hold_on_node(hit: SightingHit, days: int | None, case: Case) -> Any:
    """A hold on another node's sighting, placed on that node (where the video is, and where its
    retention runs) and audited here and there."""
    from webui.blueprints.nodes import links, send, unreachable_text

    assert hit.node is not None
    limit = ctx().config.access.max_hold_days
    if days is None or not 1 <= days <= limit:
        return _page(_("Keep it for 1 to %(n)d days.", n=limit)), 400
    if ctx().gone(hit.camera, hit.first_seen, hit.last_seen):
        abort(404)
    elsewhere = _("This video is kept on %(node)s: place the hold on that appliance.", node=hit.node)
    if links().client(hit.node) is None:  # not one of this hub's [[nodes]]
        return _page(elsewhere), 400
    body = {"sighting_id": hit.node_sighting, "days": days, "case_number": case.number,
            "case_reason": case.reason, "placed_by": actor()}
    answer = send(hit.node, "holds", body=body)
    if answer is None:
        return _page(unreachable_text(hit.node)), 503
    status = answer.status
    try:
        placed = answer.json()
    except ValueError:
        placed = None
    if not isinstance(placed, dict) or status not in (200, 400):
        return _page(elsewhere), 400
    if status == 400:
        left = int(placed.get("days_left", 0))
        return _page(_("This video may be held for at most %(n)d more days.", n=left)), 400
    audit_request(AuditAction.HOLD_PLACED, f"{hit.node} hold {placed.get('hold_id')}",
                  {"node": hit.node, "camera": hit.camera, "sighting": hit.id, "until": placed.get("until")})
    return _page(notice=_("Held on %(node)s, where the video is kept.", node=hit.node))


def every_hold() -> list[holds.Hold]:
    """All holds for the admin page, [] before the first."""
    if not ctx().layout.holds_db.exists():
        return []
    conn = holds_db()
    try:
        return holds.all_holds(conn)
    finally:
        conn.close()


def days_left(end: datetime, now: datetime) -> int:
    """Whole days a new hold may still keep video ending at `end`: however many holds are placed one
    after another, video is kept at most `max_hold_days` past the day retention would delete it."""
    config = ctx().config
    latest = end + timedelta(days=config.storage.retention_days + config.access.max_hold_days)
    return int((latest - now).total_seconds() // 86400)


def _what_to_hold() -> tuple[str, datetime, datetime, int | None]:
    """(camera, start, end, the sighting's number in this appliance's plates.db) from a sighting id, or
    (camera, start, end, None) from a camera and a time range; ValueError (its text for the officer)
    when the form is wrong. A hold keeps the plates.db number, as one the hub placed here does: the
    shared index numbers every node's sightings together."""
    from webui.context import plate_search

    sighting_id = request.form.get("sighting_id", type=int)
    if sighting_id is not None:
        hit = plate_search().get_sighting(sighting_id)
        if hit is None or ctx().gone(hit.camera, hit.first_seen, hit.last_seen):
            abort(404)
        if ctx().elsewhere(hit):
            raise ValueError(
                _("This video is kept on %(node)s: place the hold on that appliance.", node=hit.node)
            )
        own = hit.id if hit.node_sighting is None else hit.node_sighting
        return hit.camera, hit.first_seen - SIGHTING_MARGIN, hit.last_seen + SIGHTING_MARGIN, own
    camera = known_camera(request.form.get("camera", "")).name
    try:
        start, end = parse_utc(request.form.get("start", "")), parse_utc(request.form.get("end", ""))
    except ValueError:
        raise ValueError(_("Enter the start and end of the video.")) from None
    if not start < end <= start + MAX_RANGE:
        raise ValueError(_("The end must be after the start, at most a day later."))
    horizon = ctx().retention_horizon()
    if start < horizon and not _kept_by_a_hold(camera, start, min(end, horizon)):
        raise ValueError(_("Video before %(when)s is past the retention and no longer kept: it cannot be "
                           "held.", when=local_time(horizon)))
    return camera, start, end, None


def _kept_by_a_hold(camera: str, start: datetime, end: datetime) -> bool:
    """Whether one hold in force keeps all of [start, end) of `camera`: video past the retention
    horizon may be held on only then (a new hold must not bring back what is gone for the UI)."""
    now = to_epoch(ctx().clock.now())
    return any(h.camera == camera and h.start <= to_epoch(start) and h.end >= to_epoch(end)
               for h in holds.active(ctx().layout, now))


def _is_admin() -> bool:
    user = current_user()  # never None here: access.enforce let only signed-in users in
    return user is not None and user.role == Role.ADMIN


def _page(error: str = "", notice: str = ""):
    mine = [h for h in every_hold() if _is_admin() or h.placed_by == actor()]
    return render_template("holds/page.html", holds=mine, error=error, notice=notice,
                           now=to_epoch(ctx().clock.now()),
                           max_days=ctx().config.access.max_hold_days, titles=camera_titles(),
                           release_url=lambda hold_id: url_for("holds.release", hold_id=hold_id))
