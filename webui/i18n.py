"""Ukrainian (default) and English: the language chooser and the formats shown to people.

Texts in code and templates are written in English and translated in translations/uk; a user's
choice is kept in their session, otherwise `web.language` applies. Times are stored in UTC and shown in
the appliance's local time zone (set on the Pi, Europe/Kyiv in practice), down to the second.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext

from webui import audit
from webui.reasons import reason_text

LANGUAGES = {"uk": "Українська", "en": "English"}
LANGUAGE_BUTTONS = {"uk": "УКР", "en": "ENG"}
ACTION_LABELS = {
    audit.LOGIN_OK: lazy_gettext("signed in"),
    audit.LOGIN_FAILED: lazy_gettext("sign-in failed"),
    audit.LOGIN_LOCKED: lazy_gettext("sign-in refused (locked)"),
    audit.LOGIN_LOCK_ENDED: lazy_gettext("sign-in lock over"),
    audit.LOGOUT: lazy_gettext("signed out"),
    audit.SEARCH: lazy_gettext("plate search"),
    audit.SIGHTING_VIEW: lazy_gettext("sighting viewed"),
    audit.VIDEO_VIEW: lazy_gettext("video viewed"),
    audit.EXPORT: lazy_gettext("evidence exported"),
    audit.USER_ADD: lazy_gettext("account created"),
    audit.USER_DISABLE: lazy_gettext("account disabled"),
    audit.USER_ENABLE: lazy_gettext("account enabled"),
    audit.USER_PASSWORD: lazy_gettext("password changed"),
    audit.WATCHLIST_VIEW: lazy_gettext("watchlist viewed"),
    audit.WATCHLIST_ADD: lazy_gettext("watchlist entry added"),
    audit.WATCHLIST_REMOVE: lazy_gettext("watchlist entry removed"),
    audit.ALERTS_VIEW: lazy_gettext("watchlist alerts viewed"),
    audit.SIGHTING_PICTURE: lazy_gettext("plate or scene picture viewed"),
    audit.LIVE_VIEW: lazy_gettext("live view started"),
    audit.LIVE_VIEW_END: lazy_gettext("live view ended"),
    audit.AUDIT_VIEW: lazy_gettext("audit log viewed"),
    audit.AIM_VIEW: lazy_gettext("aiming picture viewed"),
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
    """A duration the way people say it: "13 d 22 h", "5 h 3 min", "42 s"."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return gettext("%(d)d d %(h)d h", d=days, h=hours)
    if hours:
        return gettext("%(h)d h %(m)d min", h=hours, m=minutes)
    if minutes:
        return gettext("%(m)d min %(s)d s", m=minutes, s=secs)
    return gettext("%(s)d s", s=secs)
