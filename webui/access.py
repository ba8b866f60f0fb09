"""Who may open which route: every view declares its roles, and anything undeclared is refused.

`@allow(Role.POLICE, Role.ADMIN)` or `@public` marks a view; `enforce()` runs before every request and
refuses a view without a mark (deny by default), so a route added without thinking about roles is
closed, and tests/test_web_routes.py fails for it. Anonymous users are sent to the login page (pages)
or get 401 (JSON); signed-in users without the role get 403.

`@needs_case` marks a view that shows plate data: while `[access] require_case` is on, a user who has
not chosen a case in this session (webui.blueprints.cases) is sent to choose one (pages) or gets 403
(JSON) before the view runs. Every audit entry the session writes carries its case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, jsonify, redirect, request, session, url_for

from accounts import audit
from accounts.audit import AuditAction
from accounts.cases import Case
from accounts.users import Accounts, Role, User
from webui.context import ctx, web_db

log = logging.getLogger(__name__)

View = TypeVar("View", bound=Callable[..., Any])
PLATE_ROLES = (Role.POLICE, Role.ADMIN)
ALL_ROLES = (Role.ADMIN, Role.POLICE, Role.VOLUNTEER)
PUBLIC = "public"
# Flask's own static route cannot carry a decorator; static files hold no data.
PUBLIC_ENDPOINTS = {"static"}


def allow(*roles: Role) -> Callable[[View], View]:
    """Only signed-in users with one of `roles` may open this view."""

    def mark(view: View) -> View:
        view.dozor_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: View) -> View:
    """Anyone may open this view, signed in or not (login, health check, language switch)."""
    view.dozor_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def needs_case(view: View) -> View:
    """The view shows plate data: it opens only once the session has a case (while require_case is on)."""
    view.dozor_needs_case = True  # type: ignore[attr-defined]
    return view


def case_needed(endpoint: str) -> bool:
    return bool(getattr(current_app.view_functions.get(endpoint), "dozor_needs_case", False))


def current_case() -> Case | None:
    """The case this session works on, None before one was chosen."""
    return Case.from_dict(session.get("case"))


def roles_of(endpoint: str) -> frozenset[Role] | str | None:
    """The roles a route declares: a frozenset, PUBLIC, or None (undeclared: refused)."""
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "dozor_roles", None)


def current_user() -> User | None:
    """The signed-in, still active user of this request, loaded once per request."""
    if "user" not in g:
        user = None
        uid = session.get("uid")
        if uid is not None:
            user = Accounts(web_db(), ctx().clock).get(uid)
            if user is None or not user.active:
                session.end()  # type: ignore[attr-defined]
                user = None
        g.user = user
    return g.user


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def enforce() -> Any:
    """before_request hook: apply the view's declared roles."""
    if request.endpoint is None:
        return None  # 404/405: let Flask answer
    roles = roles_of(request.endpoint)
    if roles == PUBLIC:
        return None
    if roles is None:
        log.error("route %s declares no roles; refused (add @allow or @public)", request.endpoint)
        abort(403)
    user = current_user()
    if user is None:
        if wants_json():
            return jsonify(error="sign in first"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if user.role not in roles:
        abort(403)
    if case_needed(request.endpoint) and ctx().config.access.require_case and current_case() is None:
        return _ask_for_case()
    return None


def _ask_for_case() -> Any:
    from flask_babel import gettext as _

    if wants_json():
        message = _("Choose the case you are working on first.")
        return jsonify(error=message, case_url=url_for("cases.choose")), 403
    return redirect(url_for("cases.choose", next=request.full_path.rstrip("?")))


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after login; anything that could leave the site becomes `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


def client_ip() -> str:
    return request.remote_addr or "?"


def actor() -> str:
    user = current_user()
    return user.username if user else "-"


def audit_request(
    action: AuditAction, target: str = "", detail: dict[str, Any] | None = None, *, who: str | None = None
) -> audit.AuditEntry:
    """Write the audit entry for the request at hand: the signed-in user (or `who`, for sign-in
    attempts), the client's address, the app's clock, the session's case."""
    return audit.append(web_db(), ctx().clock, actor=who if who is not None else actor(), ip=client_ip(),
                        action=action, target=target, detail=detail, case=current_case())
