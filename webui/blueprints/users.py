"""Account management for admins: list, create, disable/enable and set a new password.

An admin cannot disable their own account from here (the last admin would lock everyone out);
the installer can always fix accounts with `dozor user ...` over SSH.
"""

from __future__ import annotations

from flask import Blueprint, flash, get_flashed_messages, redirect, render_template, request, url_for
from flask_babel import gettext as _

from accounts import user_changes
from accounts.users import AccountError, Accounts, Role
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
            if action == "disable" and name == me.username:
                raise AccountError(_("You cannot disable your own account."))
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
        flash(account_message(str(exc)), "error")
    return redirect(url_for("users.page"))


def account_message(message: str) -> str:
    """accounts.users' reasons (English, shared with the CLI) in the admin's language."""
    from accounts.users import MIN_PASSWORD_LENGTH

    if message.startswith("the password must have at least"):
        return _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if "too simple" in message:
        return _("The password is too simple: use at least 4 different characters.")
    if "is not allowed" in message:
        return _("This user name is not allowed: use 2-32 letters, digits, '.', '_' or '-'.")
    if "already exists" in message:
        return _("An account with this name already exists.")
    if message.startswith("no user called"):
        return _("There is no such account.")
    if message.startswith("unknown role"):
        return _("Choose a role: administrator, police or volunteer.")
    return message
