"""The watchlist and its alerts, for police and admins: entries (a plate or a pattern with * and ?, a
note, who added it, an expiry), the alerts page, the alert poll every page of theirs makes (an alert on
screen with a sound, webui/static/js/alerts.js), and acknowledging an alert (who, when).

The appliance has one watchlist (plate_index.watchlist, in plates.db), shared with `dozor watchlist` and
`dozor alerts`; plate reading raises the alerts as it stores a sighting, whether or not this UI runs, so
the poll only reads them. It shows alerts nobody acknowledged from the last POPUP_WINDOW; older ones wait
on the alerts page. Neither shows an alert whose sighting is past storage.retention_days, even before
plate pruning deletes it with the sighting (plate_index.store.prune).

Every view of watchlist entries or alerts, every change and every acknowledgement is audited; an alert
shown by the poll is one viewing per alert and session (webui.auditing). A change writes its entry
first, as `dozor watchlist` does: when the entry cannot be written (web.db locked, a full disk, the
process killed), nothing changed that the audit log does not tell. Volunteers reach none of it.
While a case is required and none is chosen, the poll says an alert is waiting without its plate.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from accounts.audit import AuditAction
from edge.clock import utc_iso
from plate_index import watch_alerts, watchlist
from webui.access import PLATE_ROLES, actor, allow, audit_request, current_case, needs_case, wants_json
from webui.auditing import record_viewing
from webui.blueprints.sightings import own_sighting_url
from webui.context import camera_titles, ctx, watchlist_db

bp = Blueprint("watchlist", __name__)
NOTE_MAX = 200
DAYS_MAX = 365
POLL_LIMIT = 20
POPUP_WINDOW = timedelta(hours=24)


@bp.route("/watchlist")
@allow(*PLATE_ROLES)
@needs_case
def page():
    items = watchlist.active_entries(watchlist_db(), ctx().clock.now())
    audit_request(AuditAction.WATCHLIST_VIEW, "", {"entries": len(items)})
    return render_template("watchlist/page.html", items=items, error=None, values={})


@bp.route("/watchlist", methods=["POST"])
@allow(*PLATE_ROLES)
@needs_case
def add():
    from plate_index.normalise import BadQuery, parse_query
    from webui.blueprints.search import bad_query_message

    values = request.form
    note = values.get("note", "").strip()
    days = values.get("days", type=int)
    if len(note) > NOTE_MAX:
        return _refuse(_("The note is too long (at most %(num)d characters).", num=NOTE_MAX))
    if days is None or not 1 <= days <= DAYS_MAX:
        return _refuse(_("Keep an entry for 1 to %(num)d days.", num=DAYS_MAX))
    conn, now = watchlist_db(), ctx().clock.now()
    expires = now + timedelta(days=days)
    try:
        pattern = parse_query(values.get("pattern", ""), wildcards=watchlist.WILDCARDS)
        if any(entry.pattern == pattern for entry in watchlist.active_entries(conn, now)):
            raise BadQuery(f"{pattern} is already on the watchlist", BadQuery.DUPLICATE)
        # The entry first; a second officer adding the same pattern meanwhile leaves one entry too many.
        audit_request(AuditAction.WATCHLIST_ADD, pattern, {"note": note, "expires": utc_iso(expires)})
        watchlist.add_entry(conn, pattern, note, actor(), now, expires)
    except BadQuery as exc:
        if exc.reason == BadQuery.DUPLICATE:
            return _refuse(_("This plate or pattern is already on the watchlist."))
        return _refuse(bad_query_message(exc))
    return redirect(url_for("watchlist.page"))


@bp.route("/watchlist/<int:item_id>/remove", methods=["POST"])
@allow(*PLATE_ROLES)
@needs_case
def remove(item_id: int):
    conn, now = watchlist_db(), ctx().clock.now()
    item = watchlist.find_entry(conn, str(item_id), now)
    if item is None or item.id != item_id:
        abort(404)
    audit_request(AuditAction.WATCHLIST_REMOVE, item.pattern, {"entry": item_id})
    if not watchlist.remove_entry(conn, item_id, actor(), now):
        abort(404)  # removed by someone else meanwhile
    return redirect(url_for("watchlist.page"))


@bp.route("/alerts")
@allow(*PLATE_ROLES)
@needs_case
def alerts():
    found = watch_alerts.list_alerts(watchlist_db(), seen_since=ctx().retention_horizon(), limit=200)
    audit_request(AuditAction.ALERTS_VIEW, "", {"alerts": len(found)})
    return render_template("watchlist/alerts.html", alerts=found, titles=camera_titles())


@bp.route("/api/alerts/pending")
@allow(*PLATE_ROLES)
def pending():
    """Alerts of the last POPUP_WINDOW not acknowledged yet: what the page pops up."""
    found = watch_alerts.list_alerts(
        watchlist_db(), since=ctx().clock.now() - POPUP_WINDOW, unacknowledged=True, limit=POLL_LIMIT,
        seen_since=ctx().retention_horizon(),
    )
    titles = camera_titles()
    if ctx().config.access.require_case and current_case() is None:
        shown = [
            {"id": a.id, "camera": titles.get(a.camera, a.camera), "raised": utc_iso(a.raised)} for a in found
        ]
        return jsonify(alerts=shown, case_needed=True, case_url=url_for("cases.choose"))
    shown = []
    for a in found:
        record_viewing(
            ("alert", a.id), AuditAction.ALERTS_VIEW, str(a.id), {"plate": a.plate, "camera": a.camera}
        )
        shown.append(
            {
                "id": a.id,
                "plate": a.plate,
                "camera": titles.get(a.camera, a.camera),
                "pattern": a.pattern,
                "note": a.note,
                "first_seen": utc_iso(a.first_seen),
                "raised": utc_iso(a.raised),
                "sighting_url": own_sighting_url(a.sighting_id),
            }
        )
    return jsonify(alerts=shown, case_needed=False)


@bp.route("/alerts/<int:alert_id>/ack", methods=["POST"])
@allow(*PLATE_ROLES)
@needs_case
def acknowledge(alert_id: int):
    conn = watchlist_db()
    if not watch_alerts.is_open(conn, alert_id):
        abort(404)
    audit_request(AuditAction.ALERT_ACK, str(alert_id))
    if not watch_alerts.acknowledge(conn, alert_id, actor(), ctx().clock.now()):
        abort(404)  # acknowledged by someone else meanwhile
    if wants_json():
        return jsonify(acknowledged=True)
    return redirect(url_for("watchlist.alerts"))


def _refuse(message: str):
    items = watchlist.active_entries(watchlist_db(), ctx().clock.now())
    audit_request(AuditAction.WATCHLIST_VIEW, "", {"entries": len(items)})
    return render_template("watchlist/page.html", items=items, error=message, values=request.form), 400
