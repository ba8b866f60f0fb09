"""Account management for admins: list, create, disable/enable and set a new password.

An admin cannot disable their own account from here (the last admin would lock everyone out);
the installer can always fix accounts with `dozor user ...` over SSH.
"""

from __future__ import annotations

from flask import Blueprint, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webui import user_changes
from webui.access import allow, client_ip, current_user
from webui.accounts import AccountError, Accounts, Role
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
                raise AccountError(_("You cannot disable your own account."), reason="self")
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
    """webui.accounts' reasons (English, shared with the CLI) in the admin's language."""
    from webui.passwords import MIN_LENGTH

    messages = {
        "short": lambda: _("The password must have at least %(n)d characters.", n=MIN_LENGTH),
        "common": lambda: _("This is one of the most common passwords, or close to one: choose another."),
        "name": lambda: _("The password must not be made of the user name."),
        "guessable": lambda: _(
            "The password is too easy to guess (a common word, a keyboard row, a sequence or a date): "
            "make it longer, for example a few unrelated words."
        ),
        "bad_name": lambda: _(
            "This user name is not allowed: use 2-32 Latin letters, digits, '.', '_' or '-', "
            "starting with a letter."
        ),
        "exists": lambda: _("An account with this name already exists."),
        "unknown": lambda: _("There is no such account."),
        "bad_role": lambda: _("Choose a role: administrator, police or volunteer."),
    }
    translated = messages.get(error.reason)
    return translated() if translated else str(error)
