"""Account changes with their audit entry, used alike by `dozor user ...` and the admin page, so no
path can change an account without leaving a trace in the audit log."""

from __future__ import annotations

import sqlite3

from accounts import audit
from accounts.audit import AuditAction
from accounts.users import Accounts, User
from edge.clock import Clock


def add_user(
    conn: sqlite3.Connection, clock: Clock, *, by: str, ip: str, username: str, role: str, password: str
) -> User:
    user = Accounts(conn, clock).add(username, role, password)
    audit.append(
        conn,
        clock,
        actor=by,
        ip=ip,
        action=AuditAction.USER_ADD,
        target=user.username,
        detail={"role": user.role.value},
    )
    return user


def set_active(
    conn: sqlite3.Connection, clock: Clock, *, by: str, ip: str, username: str, active: bool
) -> User:
    user = Accounts(conn, clock).set_active(username, active)
    audit.append(
        conn,
        clock,
        actor=by,
        ip=ip,
        action=AuditAction.USER_ENABLE if active else AuditAction.USER_DISABLE,
        target=user.username,
    )
    return user


def set_password(
    conn: sqlite3.Connection, clock: Clock, *, by: str, ip: str, username: str, password: str
) -> User:
    user = Accounts(conn, clock).set_password(username, password)
    audit.append(conn, clock, actor=by, ip=ip, action=AuditAction.USER_PASSWORD, target=user.username)
    return user
