"""The installer's pages, for admins: aiming a plate camera, and the site acceptance report.

Aiming shows a live picture with the plate boxes drawn, so it shows plates: admins only, and every
admin who sees a session's picture is audited (once per session: the picture refreshes every second).
The JSON the page polls carries figures only, never plate text. The site report carries no plate
data; it is shown as a printable page and offered as a file to hand over.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from accounts.audit import AuditAction
from accounts.users import Role
from webui.access import actor, allow, audit_request
from webui.aim_sessions import AimBusy, AimSessions, RunningAim
from webui.context import ctx, known_camera

bp = Blueprint("installer", __name__)
REPORT_HOURS = 24.0


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["dozor_aim"] = AimSessions()


def sessions() -> AimSessions:
    return current_app.extensions["dozor_aim"]


def lpr_camera(name: str):
    camera = known_camera(name)
    if not camera.lpr:
        abort(404)
    return camera


def _audit_view(running: RunningAim) -> None:
    if sessions().first_view(running, actor()):
        audit_request(AuditAction.AIM_VIEW, running.session.camera.name, {"started_by": running.started_by})


@bp.route("/admin/aim")
@allow(Role.ADMIN)
def aim_index():
    cameras = [c for c in ctx().config.cameras if c.lpr and c.enabled]
    return render_template("admin/aim_index.html", lpr_cameras=cameras)


@bp.route("/admin/aim/<camera>")
@allow(Role.ADMIN)
def aim_page(camera: str):
    cam = lpr_camera(camera)
    running = sessions().of(cam.name)
    if running is not None:
        _audit_view(running)
    return render_template("admin/aim.html", camera=cam, running=running, busy=request.args.get("busy"))


@bp.route("/admin/aim/<camera>/start", methods=["POST"])
@allow(Role.ADMIN)
def aim_start(camera: str):
    cam = lpr_camera(camera)
    minutes = request.form.get("minutes", 5.0, type=float) or 5.0
    try:
        sessions().start(cam, ctx().config, minutes, actor())
    except AimBusy as exc:
        return redirect(url_for("installer.aim_page", camera=cam.name, busy=exc.running.session.camera.name))
    return redirect(url_for("installer.aim_page", camera=cam.name))


@bp.route("/admin/aim/<camera>/stop", methods=["POST"])
@allow(Role.ADMIN)
def aim_stop(camera: str):
    cam = lpr_camera(camera)
    sessions().stop(cam.name)
    return redirect(url_for("installer.aim_page", camera=cam.name))


@bp.route("/admin/aim/<camera>/picture.jpg")
@allow(Role.ADMIN)
def aim_picture(camera: str):
    cam = lpr_camera(camera)
    running = sessions().of(cam.name)
    picture = running.session.picture() if running is not None else None
    if running is None or not picture:
        abort(404)
    _audit_view(running)
    return Response(picture, mimetype="image/jpeg")


@bp.route("/api/admin/aim/<camera>")
@allow(Role.ADMIN)
def aim_state(camera: str):
    """The session's figures and verdict in the reader's language; no plate text."""
    from webui.aim_texts import advice_text

    cam = lpr_camera(camera)
    running = sessions().of(cam.name)
    if running is None:
        return jsonify(status="none")
    state = running.session.state()

    def facts(items):
        return [{"width": p.width, "tilt": p.tilt, "blur": round(p.blur, 1),
                 "blur_share": round(p.blur_share, 3), "motion": p.motion_blur, "night": p.night,
                 "read": p.read, "confidence": round(p.confidence, 2), "need": p.need} for p in items]

    stream = state.stream
    return jsonify(
        status=state.status, reason=state.reason, started_by=running.started_by,
        seconds_left=max(0, round(state.ends - ctx().clock.now().timestamp())), frames=state.frames,
        stream=None if stream is None else {"width": stream.width, "height": stream.height, "fps": stream.fps,
                                            "gop_seconds": stream.gop_seconds},
        passes=facts(state.passes), in_view=facts(state.in_view),
        seen=len(state.passes), read=sum(1 for p in state.passes if p.read),
        advice=[advice_text(a) for a in state.advice],
    )


def _report(hours: float):
    from health.site_report import build_report

    now = ctx().clock.now()
    return build_report(ctx().config, now - timedelta(hours=hours), now, now)


def _hours() -> float:
    hours = request.args.get("hours", REPORT_HOURS, type=float) or REPORT_HOURS
    return max(0.1, min(hours, 24 * 366))


@bp.route("/admin/site-report")
@allow(Role.ADMIN)
def site_report():
    from webui.site_report_page import render_report

    hours = _hours()
    return render_report(_report(hours), standalone=False, hours=hours)


@bp.route("/admin/site-report.html")
@allow(Role.ADMIN)
def site_report_file():
    from webui.site_report_page import render_report

    hours = _hours()
    report = _report(hours)
    name = f"site-report-{report.host}-{report.generated.astimezone():%Y%m%d-%H%M}.html"
    response = Response(render_report(report, standalone=True), mimetype="text/html")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
