"""Signing in and out, the home redirect and the language switch.

The login form's fields `username`, `password` and `csrf_token` are a contract (scripts and tests post
them). A failed login says only "wrong user name or password", whichever was wrong.
"""

from __future__ import annotations

import math
from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from accounts.audit import AuditAction
from accounts.users import Accounts, Role, normalise_username
from edge.clock import utc_iso
from webui.access import ALL_ROLES, allow, audit_request, client_ip, current_user, public, safe_next
from webui.context import ctx, web_db
from webui.i18n import LANGUAGES, remember_language
from webui.lockout import Lockout

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


def home_for(role: Role) -> str:
    return url_for("live.grid") if role == Role.VOLUNTEER else url_for("search.page")


@bp.route("/")
@allow(*ALL_ROLES)
def home():
    return redirect(home_for(current_user().role))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if request.method == "GET":
        if current_user() is not None:
            return redirect(safe_next(request.args.get("next"), home_for(current_user().role)))
        form.next.data = request.args.get("next", "")
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template(
            "auth/login.html", form=form, error=_("Enter your user name and password.")
        ), 400
    conn, clock = web_db(), ctx().clock
    name, ip = normalise_username(form.username.data)[:64], client_ip()
    lockout = Lockout(conn, clock)
    lockout.end_episodes()
    attempt = lockout.reserve(name, ip)
    if not attempt.allowed:
        if attempt.new_episode:
            until = utc_iso(clock.now() + timedelta(seconds=attempt.wait))
            audit_request(AuditAction.LOGIN_LOCKED, attempt.locked, {"until": until}, who=name)
        minutes = math.ceil(attempt.wait / 60)
        error = _("Too many failed attempts. Try again in %(n)d min.", n=minutes)
        return render_template("auth/login.html", form=form, error=error), 429
    user = Accounts(conn, clock).authenticate(name, form.password.data)
    if user is None:
        audit_request(AuditAction.LOGIN_FAILED, who=name)
        return render_template("auth/login.html", form=form, error=_("Wrong user name or password.")), 401
    lockout.succeeded(attempt, name, ip)
    language = session.get("lang")
    session.clear()
    session.renew()
    session["uid"] = user.id
    if language:
        session["lang"] = language
    current_app.session_interface.prune()
    audit_request(AuditAction.LOGIN_OK, user.role.value, who=user.username)
    return redirect(safe_next(form.next.data, home_for(user.role)))


@bp.route("/logout", methods=["POST"])
@allow(*ALL_ROLES)
def logout():
    user = current_user()
    audit_request(AuditAction.LOGOUT, who=user.username)
    language = str(get_locale())
    session.end()
    return remember_language(redirect(url_for("auth.login")), language)


@bp.route("/language", methods=["POST"])
@public
def language():
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return remember_language(redirect(safe_next(request.form.get("next"), url_for("auth.login"))), chosen)
