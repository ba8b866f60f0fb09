"""Ukrainian (default) and English: the language chooser and the formats shown to people.

Texts in code and templates are written in English and translated in translations/uk; a user's
choice is kept in their session, otherwise `web.language` applies. Times are stored in UTC and shown in
the appliance's local time zone (set on the Pi, Europe/Kyiv in practice), down to the second.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext

from accounts.audit import AuditAction
from edge.clock import age_text
from webui.reasons import reason_text

LANGUAGES = {"uk": "Українська", "en": "English"}
LANGUAGE_BUTTONS = {"uk": "УКР", "en": "ENG"}
ACTION_LABELS = {
    AuditAction.LOGIN_OK: lazy_gettext("signed in"),
    AuditAction.LOGIN_FAILED: lazy_gettext("sign-in failed"),
    AuditAction.LOGIN_LOCKED: lazy_gettext("sign-in refused (locked)"),
    AuditAction.LOGIN_LOCK_ENDED: lazy_gettext("sign-in lock over"),
    AuditAction.LOGOUT: lazy_gettext("signed out"),
    AuditAction.SEARCH: lazy_gettext("plate search"),
    AuditAction.SIGHTING_VIEW: lazy_gettext("sighting viewed"),
    AuditAction.VIDEO_VIEW: lazy_gettext("video viewed"),
    AuditAction.EXPORT: lazy_gettext("evidence exported"),
    AuditAction.USER_ADD: lazy_gettext("account created"),
    AuditAction.USER_DISABLE: lazy_gettext("account disabled"),
    AuditAction.USER_ENABLE: lazy_gettext("account enabled"),
    AuditAction.USER_PASSWORD: lazy_gettext("password changed"),
    AuditAction.WATCHLIST_VIEW: lazy_gettext("watchlist viewed"),
    AuditAction.WATCHLIST_ADD: lazy_gettext("watchlist entry added"),
    AuditAction.WATCHLIST_REMOVE: lazy_gettext("watchlist entry removed"),
    AuditAction.ALERTS_VIEW: lazy_gettext("watchlist alerts viewed"),
    AuditAction.SIGHTING_PICTURE: lazy_gettext("plate or scene picture viewed"),
    AuditAction.LIVE_VIEW: lazy_gettext("live view started"),
    AuditAction.LIVE_VIEW_END: lazy_gettext("live view ended"),
    AuditAction.AUDIT_VIEW: lazy_gettext("audit log viewed"),
    AuditAction.AIM_VIEW: lazy_gettext("aiming picture viewed"),
    AuditAction.PASSES_VIEW: lazy_gettext("passes of a camera viewed"),
}
ROLE_LABELS = {
    "admin": lazy_gettext("administrator"),
    "police": lazy_gettext("police"),
    "volunteer": lazy_gettext("volunteer"),
}


def init_babel(app: Flask, default_language: str) -> Babel:
    app.config["BABEL_DEFAULT_LOCALE"] = default_language
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = "translations"

    def select_locale() -> str:
        chosen = session.get("lang")
        return chosen if chosen in LANGUAGES else default_language

    babel = Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["age"] = format_age
    app.jinja_env.filters["reason"] = reason_text
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["LANGUAGE_BUTTONS"] = LANGUAGE_BUTTONS
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["action_label"] = lambda action: ACTION_LABELS.get(action, action)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(str(role), str(role))
    return babel


def local_time(moment: datetime | None, with_date: bool = True) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def format_age(seconds: float | None) -> str:
    """A duration the way people say it, in the reader's language (edge.clock.age_text)."""
    words = (gettext("%(d)d d %(h)d h"), gettext("%(h)d h %(m)d min"), gettext("%(m)d min %(s)d s"),
             gettext("%(s)d s"))
    return age_text(seconds, words, unknown="—")
