"""Camera health for everyone signed in, and the admin overview: cameras (online/offline since, fps,
kbit/s, last frame, drops), disk use and the oldest recording, camera effectiveness, the last 14 nightly
summaries (health.summary), links to accounts and the audit log."""

from __future__ import annotations

import shutil

from flask import Blueprint, current_app, render_template, url_for

from accounts.users import Role
from health.cameras import availability
from webui.access import ALL_ROLES, allow
from webui.context import StoreMissing, camera_titles, catalog_db, ctx, plates_db
from webui.effectiveness import Effectiveness, EffectivenessCache

bp = Blueprint("admin", __name__)
EFFECTIVENESS_DAYS = 7


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["dozor_effectiveness"] = EffectivenessCache(state.app.extensions["dozor"].clock)


def camera_rows(effect: Effectiveness | None = None) -> list[dict]:
    """One row per configured camera with the recorder's and plate reading's last status; with
    `effect`, each camera's sightings are the ones the effectiveness table counts (the same query, the
    same days), not the plate-reading worker's counter since it last started."""
    from plate_index.status import read_status
    from recorder.catalog import camera_statuses

    now = ctx().clock.now()
    try:
        statuses = camera_statuses(catalog_db())
    except StoreMissing:
        statuses = {}
    try:
        lpr = {row["camera"]: row for row in read_status(plates_db())}
    except StoreMissing:
        lpr = {}
    rows = []
    for camera in ctx().config.cameras:
        status = statuses.get(camera.name)
        state = availability(camera.enabled, status, now)
        rows.append(
            {
                "camera": camera,
                "status": status,
                "state": state,
                "online": state.online,
                "recorder_down": camera.enabled and not state.recorder_running,
                "lpr": lpr.get(camera.name),
                "sightings": effect.totals.get(camera.name, 0) if effect else None,
            }
        )
    return rows


@bp.route("/cameras")
@allow(*ALL_ROLES)
def cameras():
    return render_template("admin/cameras.html", rows=camera_rows(), now=ctx().clock.now())


@bp.route("/admin")
@allow(Role.ADMIN)
def overview():
    from recorder.catalog import oldest_recording, recorded_bytes

    layout, now = ctx().layout, ctx().clock.now()
    disk = shutil.disk_usage(layout.root)
    try:
        conn = catalog_db()
        recorded = recorded_bytes(conn)
        oldest = oldest_recording(conn)
    except StoreMissing:
        recorded, oldest = 0, None
    try:
        effect = current_app.extensions["dozor_effectiveness"].get(plates_db(), EFFECTIVENESS_DAYS)
    except StoreMissing:
        effect = None
    from health.status import hold_figures, space_deletion
    from health.summary import recent_summaries
    from webui.blueprints.holds import every_hold
    from webui.blueprints.oversight import recent_flags

    flags, ending = recent_flags()

    return render_template(
        "admin/overview.html",
        rows=camera_rows(effect),
        now=now,
        disk=disk,
        recorded=recorded,
        oldest_age=(now - oldest).total_seconds() if oldest else None,
        oldest=oldest,
        effect=effect,
        storage=ctx().config.storage,
        titles=camera_titles(),
        summaries=recent_summaries(layout),
        space_deleted=space_deletion(ctx().config, now),
        held=hold_figures(ctx().config, now),
        holds=every_hold(),
        now_epoch=now.timestamp(),
        release_url=lambda hold_id: url_for("holds.admin_release", hold_id=hold_id),
        flag_count=len(flags) + len(ending),
    )
