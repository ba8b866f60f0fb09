"""Account management for admins: list, create, disable/enable and set a new password.

An admin cannot disable their own account from here (the last admin would lock everyone out);
the installer can always fix accounts with `dozor user ...` over SSH.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from accounts import user_changes
from accounts.passwords import MIN_LENGTH, Weakness
from accounts.users import AccountError, AccountProblem, Accounts, Role
from webui.access import allow, client_ip, current_user
from webui.context import ctx, web_db

bp = Blueprint("users", __name__)


@bp.route("/admin/users")
@allow(Role.ADMIN)
def page():
    users = Accounts(web_db(), ctx().clock).list()
    return render_template(
        "admin/users.html", users=users, roles=list(Role), messages=get_flashed_messages(with_categories=True)
    )


@bp.route("/admin/users", methods=["POST"])
@allow(Role.ADMIN)
def change():
    me = current_user()
    conn, clock, ip = web_db(), ctx().clock, client_ip()
    form = request.form
    action, name = form.get("action", ""), form.get("username", "")
    try:
        if action == "add":
            user_changes.add_user(
                conn,
                clock,
                by=me.username,
                ip=ip,
                username=name,
                role=form.get("role", ""),
                password=form.get("password", ""),
            )
            flash(_("Account %(name)s created.", name=name), "ok")
        elif action in ("disable", "enable"):
            target = Accounts(conn, clock).require(name)  # "ADMIN", " admin" are the account "admin"
            if action == "disable" and target.id == me.id:
                raise AccountError("you cannot disable your own account", AccountProblem.SELF)
            user_changes.set_active(
                conn, clock, by=me.username, ip=ip, username=name, active=action == "enable"
            )
            flash(_("Account %(name)s updated.", name=name), "ok")
        elif action == "password":
            user_changes.set_password(
                conn, clock, by=me.username, ip=ip, username=name, password=form.get("password", "")
            )
            flash(_("Password of %(name)s changed; their sessions were ended.", name=name), "ok")
        else:
            raise AccountError(_("Unknown request."))
    except AccountError as exc:
        flash(account_message(exc), "error")
    return redirect(url_for("users.page"))


def account_message(error: AccountError) -> str:
    """accounts.users' reasons (English, shared with the CLI) in the admin's language, by their code."""
    text = ACCOUNT_MESSAGES.get(error.reason)
    return text() if text is not None else str(error)


# One text per code (tests/test_web_i18n.py checks that each has its Ukrainian translation); a function,
# since the text is translated in the language of the request at hand.
ACCOUNT_MESSAGES: dict[AccountProblem | Weakness, Callable[[], str]] = {
    Weakness.SHORT: lambda: _("The password must have at least %(n)d characters.", n=MIN_LENGTH),
    Weakness.COMMON: lambda: _("This is one of the most common passwords, or close to one: choose another."),
    Weakness.NAME: lambda: _("The password must not be made of the user name."),
    Weakness.GUESSABLE: lambda: _(
        "The password is too easy to guess (a common word, a keyboard row, a sequence or a date): "
        "make it longer, for example a few unrelated words."
    ),
    AccountProblem.BAD_NAME: lambda: _(
        "This user name is not allowed: use 2-32 Latin letters, digits, '.', '_' or '-', "
        "starting with a letter."
    ),
    AccountProblem.MIXED_SCRIPTS: lambda: _(
        "This user name mixes Latin letters with look-alike letters of another alphabet (such as a "
        "Cyrillic \"о\" in \"police\"), so it could not be told apart from another account: type it in "
        "Latin letters only."
    ),
    AccountProblem.EXISTS: lambda: _("An account with this name already exists."),
    AccountProblem.UNKNOWN: lambda: _("There is no such account."),
    AccountProblem.BAD_ROLE: lambda: _("Choose a role: administrator, police or volunteer."),
    AccountProblem.SELF: lambda: _("You cannot disable your own account."),
}
