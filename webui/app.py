"""The app factory: `create_app(config, clock=..., layout=...)` builds one Dozor web app.

Everything the app needs is passed in and kept in `app.extensions["dozor"]` (no module-level state), so
tests build apps with a manual clock and a temporary data folder, and `dozor web` builds the real one.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import IntegerConverter, Map

from accounts.audit_anchor import HeadWitness
from accounts.webdb import open_web_db, secret_key
from edge import __version__
from edge.clock import Clock, SystemClock
from edge.config import Config
from edge.db import MAX_INTEGER
from edge.layout import DataLayout, UnsafePath
from webui import access
from webui.audit_keeper import AuditKeeper
from webui.blueprints import BLUEPRINTS, node_api
from webui.blueprints.nodes import EXTENSION as NODES_EXTENSION
from webui.blueprints.sightings import own_sighting_url
from webui.context import IndexUnreachable, StoreMissing, WebContext, close_databases
from webui.i18n import init_babel
from webui.node_links import NodeLinks
from webui.plate_reading import plate_reading_off
from webui.security import add_security_headers
from webui.sessions import DbSessionInterface
from webui.streams import init_streams

log = logging.getLogger(__name__)


def create_app(config: Config, *, clock: Clock | None = None, layout: DataLayout | None = None) -> Flask:
    """The web UI for `config`: web.db migrated, roles enforced, CSRF on, sessions in web.db.
    `clock` (tests move time: idle timeout, lockout) and `layout` (the data folder) default to the real
    ones. Starts the audit keeper's thread (webui.audit_keeper: witnesses the audit log's head)."""
    clock = clock or SystemClock()
    layout = layout or DataLayout(config.storage.path)
    conn = open_web_db(layout)
    try:
        key = secret_key(conn)
    finally:
        conn.close()

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=key,
        # Sessions end on the server (idle timeout, logout); a token that expires on its own after an
        # hour would only make a police officer's search form fail.
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Ukrainian camera titles stay readable in /api responses
    context = WebContext(config=config, clock=clock, layout=layout)
    app.extensions["dozor"] = context
    keeper = AuditKeeper(layout, clock, context.viewings, HeadWitness(layout.audit_anchor))
    app.extensions["dozor_audit_keeper"] = keeper
    keeper.start()
    app.session_interface = DbSessionInterface(
        clock,
        idle_seconds=config.web.session_idle_minutes * 60,
        max_seconds=config.web.session_max_hours * 3600,
        always_secure=config.web.tls,
    )
    init_streams(app, config.web.streams_per_user)
    app.extensions[NODES_EXTENSION] = NodeLinks(config.nodes)
    CSRFProtect(app).exempt(node_api.bp)  # the hub's key guards it, not a session (no cookie to ride)
    init_babel(app, config.web.language)
    app.before_request(access.enforce)
    app.after_request(add_security_headers)
    app.teardown_appcontext(close_databases)
    app.url_map.converters["int"] = SqliteInt  # before the blueprints' rules are made
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _register_errors(app)
    app.jinja_env.globals["own_sighting_url"] = own_sighting_url  # links from plates.db's own numbers

    @app.context_processor
    def _globals() -> dict:
        user = access.current_user()
        return {
            "current_user": user,
            "current_case": access.current_case(),
            "version": __version__,
            "cameras": config.cameras,
            "hub_nodes": bool(config.nodes),
            "plate_reading_off": plate_reading_off() if user and user.sees_plates else None,
        }

    return app


class SqliteInt(IntegerConverter):
    """`<int:...>` in a route: an id larger than SQLite holds is not found (404), not an OverflowError
    when the query binds it (500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_INTEGER, signed: bool = False):  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def _register_errors(app: Flask) -> None:
    """Error pages in the user's language; JSON for /api/ routes (the search page reads them)."""

    def page(code: int, message: str) -> Any:
        if access.wants_json():
            return jsonify(error=message), code
        return render_template("error.html", code=code, message=message), code

    def index_unreachable() -> str:
        return _("The shared plate index cannot be reached now. Try again in a minute; if it lasts, tell "
                 "your administrator.")

    messages = {
        400: lambda: _("The request was not understood."),
        403: lambda: _("Your account may not open this page."),
        404: lambda: _("Nothing here."),
        405: lambda: _("The request was not understood."),
        429: lambda: _("Too many requests. Wait a moment."),
        # the traceback goes to the log (Flask logs it before this page is made), never to the user
        500: lambda: _("Something went wrong. Try again; if it keeps happening, tell your administrator."),
        503: lambda: _("No data yet: the recorder or plate reading has not written anything."),
    }
    for code, message in messages.items():
        app.register_error_handler(code, lambda e, code=code, message=message: page(code, message()))
    app.register_error_handler(
        CSRFError, lambda e: page(400, _("The form expired. Go back, reload the page and try again."))
    )
    app.register_error_handler(UnsafePath, lambda e: page(404, messages[404]()))
    app.register_error_handler(StoreMissing, lambda e: page(503, messages[503]()))
    app.register_error_handler(IndexUnreachable, lambda e: page(503, index_unreachable()))
