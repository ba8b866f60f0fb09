"""`/healthz` for monitoring: is the web process up and can it read its databases, and is the appliance
recording (cameras online of configured, age of the newest segment, free disk; health.status). No
sign-in needed, so it shows no plate data, no camera names and no users, and it is rate-limited per
address. `status` is the web UI's own health (503 when degraded); monitoring alerts on the rest."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify

from edge import __version__
from webui.access import client_ip, public
from webui.context import ctx, web_db
from webui.security import RateLimit

bp = Blueprint("health", __name__)
REQUESTS_PER_MINUTE = 30


@bp.record_once
def _setup(state) -> None:
    state.app.extensions["dozor_health"] = {
        "limit": RateLimit(state.app.extensions["dozor"].clock, limit=REQUESTS_PER_MINUTE, seconds=60),
        "started": time.monotonic(),
    }


@bp.route("/healthz")
@public
def healthz():
    state = current_app.extensions["dozor_health"]
    if not state["limit"].allow(client_ip()):
        return jsonify(status="busy", error="too many requests"), 429
    layout = ctx().layout
    checks = {"web_db": _ok(lambda: web_db().execute("SELECT 1").fetchone())}
    checks["catalog_db"] = layout.catalog_db.exists()
    checks["plates_db"] = layout.plates_db.exists()
    healthy = checks["web_db"]
    body = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "uptime_s": round(time.monotonic() - state["started"]),
        "checks": checks,
        **_appliance(),
    }
    return jsonify(body), 200 if healthy else 503


def _appliance() -> dict:
    from health.status import health_figures

    try:
        return health_figures(ctx().config, ctx().clock.now())
    except Exception:  # noqa: BLE001 - the web UI's health must not fail on the recorder's stores
        current_app.logger.exception("appliance figures unavailable")
        return {}


def _ok(check) -> bool:
    try:
        check()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"; details go to the log
        current_app.logger.exception("health check failed")
        return False
