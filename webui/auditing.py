"""One audit entry per viewing of pictures, video and live video rather than one per request
(webui.viewings), each written for the request at hand (webui.access.audit_request: the signed-in user,
the client's address, the app's clock).

Every route that serves plate text, plate or scene pictures, video or live video writes its entry
through here before the data leaves (tests/test_web_routes.py fails for a route that does not).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import session

from accounts import audit
from accounts.audit import AuditAction
from edge.clock import Clock, utc_iso
from webui.access import actor, audit_request, client_ip, current_case
from webui.context import ctx
from webui.viewings import Viewing

VIEW_IDLE = 300.0  # video, pictures, the audit log: the same thing again after 5 idle minutes is a new entry
LIVE_IDLE = 60.0  # live pictures: a viewing ends a minute after the last picture (the grid fetches every 1 s)


def record_viewing(
    what: tuple[Hashable, ...],
    action: AuditAction,
    target: str,
    detail: dict[str, Any] | None = None,
    *,
    idle: float = VIEW_IDLE,
    ends: bool = False,
) -> None:
    """An entry when this session starts viewing `what`; nothing while the viewing goes on (requests
    within `idle` seconds of each other). With `ends`, an end entry follows when it is over."""
    key = (_session_key(), *what)
    viewing = _viewing(target, detail or {}, idle, ends)
    if not ctx().viewings.claim(key, viewing):
        return
    try:
        viewing.entry_id = audit_request(action, target, detail).id
    except BaseException:
        ctx().viewings.forget(key)
        raise


def cover(whats: Iterable[tuple[Hashable, ...]], idle: float = VIEW_IDLE) -> None:
    """Count `whats` as viewed under the entry this request just wrote (a sighting page's own pictures,
    a search's result pictures), so fetching them adds no entry of their own."""
    session_key = _session_key()
    ctx().viewings.cover([(session_key, *what) for what in whats], _viewing("", {}, idle, False))


def begin_live_stream(camera: str, kind: str = "stream") -> Callable[[], None]:
    """Write the live-video entry now (`kind`: "stream" for the full-frame view, "grid" for a moving
    grid's tile); returns what writes its end entry (with the duration) when the stream is closed, for
    Response.call_on_close."""
    context = ctx()
    viewing = _viewing(camera, {"kind": kind}, 0.0, True)
    viewing.entry_id = audit_request(AuditAction.LIVE_VIEW, camera, viewing.detail).id

    def end() -> None:
        viewing.last = context.clock.monotonic()
        write_end(context.databases.web(), context.clock, viewing)

    return end


def write_end(conn: sqlite3.Connection, clock: Clock, viewing: Viewing) -> None:
    """The end entry of a live viewing: when it started (and its start entry) and how long it lasted."""
    audit.append(
        conn,
        clock,
        actor=viewing.actor,
        ip=viewing.ip,
        action=AuditAction.LIVE_VIEW_END,
        target=viewing.target,
        detail={
            **viewing.detail,
            "started": utc_iso(viewing.started),
            "seconds": viewing.seconds(),
            "entry": viewing.entry_id,
        },
        case=viewing.case,
    )


def _viewing(target: str, detail: dict[str, Any], idle: float, ends: bool) -> Viewing:
    clock = ctx().clock
    return Viewing(
        actor=actor(),
        ip=client_ip(),
        target=target,
        detail=detail,
        started=clock.now(),
        started_mono=clock.monotonic(),
        idle=idle,
        ends=ends,
        case=current_case(),
    )


def _session_key() -> str:
    """Viewings belong to a session and its case (two browsers of one person are two viewings); only a
    digest of the session id is kept."""
    sid = getattr(session, "sid", None) or f"{actor()}@{client_ip()}"
    case = current_case()  # after a change of case, viewing the same thing again is new work: a new entry
    return hashlib.sha256(f"{sid}|{case.text() if case else ''}".encode()).hexdigest()[:16]
