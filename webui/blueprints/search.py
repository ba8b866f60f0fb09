"""Police plate search: the page (results as you type three characters, Latin or Cyrillic, `?` and `*`
wildcards) and its JSON endpoint `GET /api/search?q=ABC`, whose results carry the fields of
`dozor search --json`; with `group=1` the results come grouped by plate (webui.search_groups), as the page
shows them.

Every query is audited with its text, filters and the number of sightings found (the transparency
report counts searches that found nothing): who looked for which plate is itself sensitive. The entry
is written after the search and before anything is shown. The page asks again every few seconds so that
new passes appear (`refresh=1`): a refresh belongs to the query's entry as long as it keeps coming
(webui.auditing.record_viewing), while a query typed anew always writes one. The plate pictures of the
results are shown under that entry (webui.auditing.cover). Sightings older than the retention horizon
are never found, even if the daemon has not deleted them yet.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from accounts.audit import AuditAction
from edge.clock import parse_utc
from plate_index.normalise import BadQuery
from webui.access import PLATE_ROLES, allow, audit_request, needs_case
from webui.auditing import cover, record_viewing
from webui.blueprints.nodes import video_notes
from webui.blueprints.sightings import picture_key
from webui.context import StoreMissing, camera_titles, ctx, plate_search
from webui.directions import CODES, filter_options
from webui.hit_labels import camera_title, direction_text
from webui.search_groups import GROUP_LIMIT, group_hits

bp = Blueprint("search", __name__)
PAGE_LIMIT = 200
_ID = 987654321  # stands for a sighting id while building URLs


@bp.route("/search")
@allow(*PLATE_ROLES)
@needs_case
def page():
    return render_template("search/page.html", query=request.args.get("q", "")[:40],
                           directions=filter_options())


@bp.route("/api/search")
@allow(*PLATE_ROLES)
@needs_case
def api():
    from plate_index.search import validate_query

    query = request.args.get("q", "")[:64]
    camera = request.args.get("camera") or None
    if camera is not None and camera not in {c.name for c in ctx().config.cameras}:
        return jsonify(error=_("Unknown camera.")), 400
    direction = request.args.get("direction") or None
    if direction is not None and direction not in CODES:
        return jsonify(error=_("Unknown direction of travel.")), 400
    try:
        since, until = _time_arg("since"), _time_arg("until")
    except ValueError:
        return jsonify(error=_("A time filter is not a valid date and time.")), 400
    exact = request.args.get("exact") in ("1", "true", "on")
    grouped = request.args.get("group") == "1"
    limit = GROUP_LIMIT if grouped else min(request.args.get("limit", 100, type=int) or 100, PAGE_LIMIT)
    filters = {
        k: v
        for k, v in (
            ("camera", camera),
            ("since", request.args.get("since")),
            ("until", request.args.get("until")),
            ("exact", exact or None),
            ("direction", direction),
        )
        if v
    }
    refresh = request.args.get("refresh") == "1"
    horizon = ctx().retention_horizon()
    since = max(since, horizon) if since else horizon
    try:
        validate_query(query)  # a bad query is refused even while there is no plate store yet
        hits = plate_search().search(query, camera=camera, since=since, until=until, exact=exact, limit=limit,
                                     direction=direction)
    except BadQuery as exc:
        _audit_search(query, filters, refresh=refresh)
        return jsonify(error=bad_query_message(exc)), 400
    except StoreMissing:
        hits = []
    _audit_search(query, filters, refresh=refresh, found=[hit.plate for hit in hits])  # before any is shown
    cover(picture_key(hit.id, "crop") for hit in hits)
    titles = camera_titles()
    # url_for once, not twice per hit (it was 40 % of the time of a 100-result response)
    page_url = url_for("sightings.page", sighting_id=_ID).replace(str(_ID), "{}")
    crop_url = url_for("sightings.picture", sighting_id=_ID, kind="crop").replace(str(_ID), "{}")
    notes = video_notes(hits, ctx().elsewhere)  # per node: its video cannot be played now
    results = [
        {
            **hit.to_json(),
            "camera_title": camera_title(hit, titles),
            "direction_label": direction_text(hit),
            "url": page_url.format(hit.id),
            "crop_url": crop_url.format(hit.id) if hit.crop_path and hit.node not in notes else None,
            "video_note": notes.get(hit.node or ""),
        }
        for hit in hits
    ]
    if grouped:
        groups = group_hits(results)
        return jsonify(query=query, count=len(results), plates=len(groups), truncated=len(results) >= limit,
                       groups=groups)
    return jsonify(query=query, count=len(results), results=results)


def _audit_search(query: str, filters: dict, *, refresh: bool, found: list[str] | None = None) -> None:
    """An entry for a new query, with how many sightings it found (none for a refused query) and, for a
    query that fixes no plate start, the starts of the plates found (oversight's key for it); a refresh
    of the same query (same text and filters, within the idle time of its viewing) adds none, even if it
    finds more. A refresh nobody asked for first is a new query: it writes one."""
    from plate_index.normalise import found_starts

    what = ("search", query, tuple(sorted((k, str(v)) for k, v in filters.items())))
    detail = dict(filters)
    if found is not None:
        detail["results"] = len(found)
        if starts := found_starts(query, found):
            detail["starts"] = starts
    if refresh:
        record_viewing(what, AuditAction.SEARCH, query, detail)
    else:
        audit_request(AuditAction.SEARCH, query, detail)
        cover([what])


def _time_arg(name: str) -> datetime | None:
    value = request.args.get(name)
    return parse_utc(value) if value else None


def bad_query_message(error: BadQuery) -> str:
    """plate_index's reason for refusing a query, in the officer's language."""
    if error.reason == BadQuery.BAD_CHARACTER:
        return _(
            "'%(letter)s' cannot be on a plate: type Latin letters, or the Cyrillic letters that look like "
            "them (А В Е І К М Н О Р С Т Х), and digits.",
            letter=error.character,
        )
    if error.reason == BadQuery.TOO_VAGUE:
        return _("A query that starts with * or ? needs 3 characters in a row (for example *123*).")
    if error.reason == BadQuery.TOO_LONG:
        return _("A plate has at most 10 characters; check the query.")
    return _("Type at least 3 characters of the plate (letters or digits).")
