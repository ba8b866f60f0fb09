"""Server-side sessions in web.db: the browser holds only a random id, the server holds the rest.

Why not Flask's signed-cookie sessions: a cookie session cannot be ended from the server, and Dozor
must end sessions at logout, at an idle timeout, at the absolute lifetime (a live grid left polling on a
screen would otherwise stay signed in forever) and when an admin disables an account. The cookie is
HttpOnly and SameSite=Strict (Secure under HTTPS); only a SHA-256 of the id is stored, so a copy of
web.db does not hand out live sessions. The id is renewed at login (no session fixation).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from edge.clock import Clock, to_epoch
from webui.context import web_db

COOKIE_NAME = "dozor_session"
# last_seen is rewritten at most this often: the live grid polls pictures every second and each poll
# must not cost a write to web.db.
TOUCH_SECONDS = 15
# Every this many new sessions, expired ones are deleted (anonymous visitors of the login page get a
# session for its CSRF token; without this they would pile up when nobody signs in).
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
        sid = request.cookies.get(COOKIE_NAME)
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
        if now - row["last_seen"] >= TOUCH_SECONDS:
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
            if not session:
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

    def still_valid(self, session: ServerSession) -> bool:
        """Whether `session` still stands: not ended (sign-out, account disabled, new password) and not
        past its absolute lifetime. A live stream asks this as it goes (the idle timeout is checked when
        the page reconnects)."""
        if not session.sid:
            return False
        row = web_db().execute(
            "SELECT s.created_at FROM sessions s JOIN users u ON u.id = s.user_id"
            " WHERE s.id_hash = ? AND u.active = 1",
            (_hash(session.sid),),
        ).fetchone()
        return row is not None and to_epoch(self.clock.now()) - row["created_at"] <= self.max_seconds

    def prune(self) -> int:
        """Delete sessions idle for longer than the timeout or past their lifetime (called at each login)."""
        now = to_epoch(self.clock.now())
        with web_db() as conn:
            return conn.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?",
                (now - self.idle_seconds, now - self.max_seconds),
            ).rowcount
