"""Server-side sessions in web.db: the browser holds only a random id, the server holds the rest.

Why not Flask's signed-cookie sessions: a cookie session cannot be ended from the server, and Dozor
must end sessions at logout, at an idle timeout, at the absolute lifetime (a live grid left polling on a
screen would otherwise stay signed in forever) and when an admin disables an account. The cookie is
HttpOnly and SameSite=Strict (Secure under HTTPS); only a SHA-256 of the id is stored, so a copy of
web.db does not hand out live sessions. The id is made at sign-in (no session fixation).

Visitors who have not signed in keep what little they have (the login form's CSRF token, a chosen
language) in the same cookie, signed with the app's secret key, and nothing on the server: anyone on
the LAN may load the login page, and each load used to add a row to web.db. A signed value holds a '.',
a session id (token_urlsafe) never does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from typing import Any, cast

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import CallbackDict

from edge.clock import Clock, to_epoch
from webui.context import web_db

COOKIE_NAME = "dozor_session"
# last_seen is rewritten at most this often: the live grid polls pictures every second and each poll
# must not cost a write to web.db.
TOUCH_SECONDS = 15
# Requests a page makes by itself on every police page, whoever is at the screen: they do not count as
# activity, or the idle timeout would never end a session left open on any page. Paths, not endpoints:
# the session is opened before the URL is matched.
PASSIVE_PATHS = frozenset({"/api/alerts/pending"})
# Every this many new sessions, expired ones are deleted (besides at each sign-in).
PRUNE_EVERY = 100


class ServerSession(CallbackDict, SessionMixin):
    """The session dict; `renew()` at login, `end()` at logout."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None):
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.modified = False
        self.renewed = False
        self.ended = False

    def renew(self) -> None:
        """Forget the current id: the next response carries a fresh one (and the old id stops working)."""
        self.renewed = True
        self.modified = True

    def end(self) -> None:
        self.clear()
        self.ended = True


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class DbSessionInterface(SessionInterface):
    def __init__(self, clock: Clock, idle_seconds: float, max_seconds: float, always_secure: bool):
        self.clock = clock
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self.always_secure = always_secure
        self._created = 0

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(COOKIE_NAME, "")
        if "." in sid:
            return _visitor(app, sid)
        if not sid or len(sid) > 100:
            return ServerSession()
        conn = web_db()
        row = conn.execute(
            "SELECT data, created_at, last_seen FROM sessions WHERE id_hash = ?", (_hash(sid),)
        ).fetchone()
        if row is None:
            return ServerSession()
        now = to_epoch(self.clock.now())
        if now - row["last_seen"] > self.idle_seconds or now - row["created_at"] > self.max_seconds:
            with conn:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(sid),))
            return ServerSession()
        if now - row["last_seen"] >= TOUCH_SECONDS and request.path not in PASSIVE_PATHS:
            with conn:
                conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, _hash(sid)))
        return ServerSession(json.loads(row["data"]), sid=sid)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        conn = web_db()
        secure = self.always_secure or request.is_secure
        if session.ended:
            if session.sid:
                with conn:
                    conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session.sid),))
            response.delete_cookie(COOKIE_NAME, httponly=True, samesite="Strict", secure=secure)
            return
        if session.renewed and session.sid:
            with conn:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session.sid),))
            session.sid = None
        if not session.modified:
            return
        data = json.dumps(dict(session), ensure_ascii=False)
        user_id = session.get("uid")
        if session.sid is None:
            if user_id is None:  # a visitor: the signed cookie, nothing in web.db
                response.set_cookie(COOKIE_NAME, _visitors(app).dumps(dict(session)), httponly=True,
                                    samesite="Strict", secure=secure, path="/")
                return
            session.sid = secrets.token_urlsafe(32)
            now = to_epoch(self.clock.now())
            with conn:
                conn.execute(
                    "INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (_hash(session.sid), user_id, data, now, now),
                )
            self._created += 1
            if self._created % PRUNE_EVERY == 0:
                self.prune()
            response.set_cookie(
                COOKIE_NAME, session.sid, httponly=True, samesite="Strict", secure=secure, path="/"
            )
        else:
            with conn:
                conn.execute(
                    "UPDATE sessions SET data = ?, user_id = ? WHERE id_hash = ?",
                    (data, user_id, _hash(session.sid)),
                )

    def keep_alive(self, session: ServerSession, conn: sqlite3.Connection) -> bool:
        """Whether `session` still stands: not ended (sign-out, account disabled, new password) and not
        past its absolute lifetime. A live stream asks this as it goes and once more when it ends:
        watching is using the UI, so a yes also counts as activity for the idle timeout (last_seen,
        rewritten at most every TOUCH_SECONDS), and a volunteer watching one camera all night stays
        signed in until session_max_hours. `conn`: web.db (a stream's end runs outside its request)."""
        if not session.sid:
            return False
        row = conn.execute(
            "SELECT s.created_at, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.id_hash = ? AND u.active = 1",
            (_hash(session.sid),),
        ).fetchone()
        now = to_epoch(self.clock.now())
        if row is None or now - row["created_at"] > self.max_seconds:
            return False
        if now - row["last_seen"] >= TOUCH_SECONDS:
            with conn:
                conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, _hash(session.sid)))
        return True

    def prune(self) -> int:
        """Delete sessions idle for longer than the timeout or past their lifetime (called at each login)."""
        now = to_epoch(self.clock.now())
        with web_db() as conn:
            return conn.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?",
                (now - self.idle_seconds, now - self.max_seconds),
            ).rowcount


def _visitor(app: Flask, value: str) -> ServerSession:
    """The session of someone not signed in, from their signed cookie (empty if forged or too large)."""
    if len(value) > 2000:
        return ServerSession()
    try:
        data = _visitors(app).loads(value)
    except BadSignature:
        return ServerSession()
    return ServerSession(data if isinstance(data, dict) and "uid" not in data else None)


def _visitors(app: Flask) -> URLSafeSerializer:
    """Signs and reads visitors' cookies with the app's secret key (kept in web.db)."""
    return URLSafeSerializer(cast(str, app.secret_key), salt="dozor-visitor")  # set by create_app
