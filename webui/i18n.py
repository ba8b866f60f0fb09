"""Ukrainian (default) and English: the language chooser and the formats shown to people.

Texts in code and templates are written in English and translated in translations/uk; a user's
choice is kept in their session, otherwise `web.language` applies. Times are stored in UTC and shown in
the appliance's local time zone (set on the Pi, Europe/Kyiv in practice), down to the second.
"""

from __future__ import annotations

import os
from contextlib import suppress
from datetime import datetime
from functools import cache

from flask import Flask, Response, request, session
from flask_babel import Babel, get_locale, gettext, lazy_gettext

from accounts.audit import AuditAction
from accounts.oversight import FlagKind
from edge.clock import age_text, from_epoch
from webui.reasons import reason_text

LANGUAGES = {"uk": "Українська", "en": "English"}
LANGUAGE_BUTTONS = {"uk": "УКР", "en": "ENG"}
# The language chosen in this browser, kept beyond the session: the sign-in page after signing out (or
# after the session expired) stays in the user's language. Not a secret, and nothing else is in it.
LANGUAGE_COOKIE = "dozor_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
ACTION_LABELS = {
    AuditAction.LOGIN_OK: lazy_gettext("signed in"),
    AuditAction.LOGIN_FAILED: lazy_gettext("sign-in failed"),
    AuditAction.LOGIN_LOCKED: lazy_gettext("sign-in refused (locked)"),
    AuditAction.LOGIN_LOCK_ENDED: lazy_gettext("sign-in lock over"),
    AuditAction.LOGIN_REFUSALS: lazy_gettext("sign-ins refused by a lock until the month ended"),
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
    AuditAction.CASE_CHOSEN: lazy_gettext("case chosen"),
    AuditAction.CASE_CHANGED: lazy_gettext("case changed"),
    AuditAction.HOLD_PLACED: lazy_gettext("hold placed"),
    AuditAction.HOLD_RELEASED: lazy_gettext("hold released"),
    AuditAction.HOLD_ENDED: lazy_gettext("hold ended"),
    AuditAction.ALERT_ACK: lazy_gettext("alert acknowledged"),
    AuditAction.TIMELINE_SIGHTINGS: lazy_gettext("sightings on the recordings timeline"),
    AuditAction.SUBJECT_LOOKUP: lazy_gettext("plate looked up for its owner's request"),
    AuditAction.LIVE_REPLAY: lazy_gettext("last 30 s replayed from the live grid"),
}
# The default reasons of [access] reasons (edge.config.DEFAULT_REASONS); others are shown as written.
REASON_LABELS = {
    "theft": lazy_gettext("theft"),
    "missing_person": lazy_gettext("missing person"),
    "road_accident": lazy_gettext("road accident"),
    "hit_and_run": lazy_gettext("hit and run"),
    "wanted_vehicle": lazy_gettext("wanted vehicle"),
    "other": lazy_gettext("other"),
}
FLAG_LABELS = {  # accounts.oversight: why an admin should look at an entry
    FlagKind.OFF_DUTY: lazy_gettext("search outside duty hours"),
    FlagKind.BUSY_CASE: lazy_gettext("many searches under one case"),
    FlagKind.REPEATED_PLATE: lazy_gettext("one plate searched again by one user across cases"),
    FlagKind.EXPORT: lazy_gettext("evidence exported"),
    FlagKind.SUBJECT_LOOKUP: lazy_gettext("plate looked up for a person's request"),
    FlagKind.WATCHLIST: lazy_gettext("plate put on the watchlist"),
    FlagKind.OFF_DUTY_VIEWS: lazy_gettext("plate data opened outside duty hours"),
}
LPR_STATES = {  # plate_index.status: how a camera's plate reading is doing
    "starting": lazy_gettext("starting"),
    "running": lazy_gettext("running"),
    "restarting": lazy_gettext("restarting"),
    "disabled": lazy_gettext("turned off"),
    "stopped": lazy_gettext("stopped"),
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
        for chosen in (session.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
            if chosen in LANGUAGES:
                return chosen
        return default_language

    babel = Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["epoch_time"] = lambda epoch: local_time(from_epoch(epoch))
    app.jinja_env.filters["age"] = format_age
    app.jinja_env.filters["reason"] = reason_text
    app.jinja_env.filters["lpr_state"] = lambda state: LPR_STATES.get(str(state), str(state))
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["LANGUAGE_BUTTONS"] = LANGUAGE_BUTTONS
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["appliance_zone"] = appliance_zone
    app.jinja_env.globals["action_label"] = lambda action: ACTION_LABELS.get(action, action)
    app.jinja_env.globals["reason_label"] = reason_label
    app.jinja_env.globals["flag_label"] = lambda kind: FLAG_LABELS.get(kind, kind)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(str(role), str(role))
    return babel


def reason_label(code: str) -> str:
    """A case reason in the reader's language (a reason the installer wrote in is shown as written)."""
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code


def remember_language(response: Response, language: str) -> Response:
    """Keep `language` for this browser (LANGUAGE_COOKIE)."""
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, samesite="Lax", httponly=True,
            secure=request.is_secure,
        )
    return response


@cache
def appliance_zone() -> str:
    """The IANA name of the zone `local_time` shows times in (this process's local zone), so the
    browser shows times in the same zone whatever its own: "" when it cannot be told."""
    from pathlib import Path
    from zoneinfo import available_timezones

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).partition("zoneinfo/")[2])
    known = available_timezones()
    return next((name for name in candidates if name in known), "")


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
