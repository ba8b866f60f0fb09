"""User accounts of the web UI: three roles, scrypt password hashes, no default account.

Accounts live in web.db and are managed with `dozor user ...` (an installer with SSH creates the first
admin) or by an admin in the UI. Disabling an account or changing its password ends its sessions at once,
so a lost phone or a departed volunteer is locked out without waiting for an idle timeout.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from werkzeug.security import check_password_hash, generate_password_hash

from accounts.passwords import Weakness, weakness
from edge.clock import Clock, from_epoch, to_epoch

# ASCII only: a Cyrillic "а" in "аdmin" must not pass for "admin" in the audit log or the admin page.
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$", re.ASCII)
# Checked when the user name is unknown, so a wrong name costs as long as a wrong password
# (the response time does not tell which user names exist).
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class Role(StrEnum):
    ADMIN = "admin"
    POLICE = "police"
    VOLUNTEER = "volunteer"


class AccountProblem(StrEnum):
    """Why an account request was refused (besides a weak password: accounts.passwords.Weakness)."""

    BAD_NAME = "bad_name"
    MIXED_SCRIPTS = "mixed_scripts"  # Latin letters with look-alikes of another alphabet ("pоlice")
    BAD_ROLE = "bad_role"
    EXISTS = "exists"
    UNKNOWN = "unknown"
    SELF = "self"  # an admin may not disable their own account
    OTHER = "other"  # the message says it all (already in the reader's language)


class AccountError(ValueError):
    """A user-management request cannot be done (bad name, weak password, unknown user).
    The CLI prints the message and exits 1; the admin page shows it, translated by its `reason` code."""

    def __init__(self, message: str, reason: AccountProblem | Weakness = AccountProblem.OTHER):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def sees_plates(self) -> bool:
        """Plate data and recordings are for police and admins only."""
        return self.role in (Role.POLICE, Role.ADMIN)


def normalise_username(name: str) -> str:
    """The one spelling of a user name: compatibility forms folded (a full-width "ＡＤＭＩＮ" is
    "admin"), no surrounding spaces, lower case. Names are stored, looked up and compared this way."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def mixes_scripts(name: str) -> bool:
    """Whether `name` has Latin letters and letters of another alphabet: "pоlice" with a Cyrillic "о"
    looks exactly like "police", and two such accounts could not be told apart in the audit log."""
    alphabets = {unicodedata.name(ch, "").split(" ")[0] for ch in name if ch.isalpha()}
    return "LATIN" in alphabets and len(alphabets) > 1


def _user(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        active=bool(row["active"]),
        created_at=from_epoch(row["created_at"]),
        last_login_at=from_epoch(row["last_login_at"]) if row["last_login_at"] else None,
    )


def check_password_strength(password: str, username: str) -> None:
    """AccountError with the reason (accounts.passwords) if `password` may not be used."""
    weak = weakness(password, username)
    if weak is not None:
        raise AccountError(weak.english(), reason=weak)


class Accounts:
    """Account operations on one web.db connection."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock):
        self.conn = conn
        self.clock = clock

    def add(self, username: str, role: str, password: str) -> User:
        name = normalise_username(username)
        if mixes_scripts(name):
            raise AccountError(
                f"user name {username!r} is not allowed: it mixes Latin letters with letters of another "
                "alphabet that look the same; type it in Latin letters only",
                reason=AccountProblem.MIXED_SCRIPTS,
            )
        if not USERNAME_RE.match(name):
            raise AccountError(
                f"user name {username!r} is not allowed: use 2-32 Latin letters, digits, '.', '_' or '-', "
                "starting with a letter",
                reason=AccountProblem.BAD_NAME,
            )
        try:
            role = Role(role)
        except ValueError:
            raise AccountError(
                f"unknown role {role!r}: use admin, police or volunteer", AccountProblem.BAD_ROLE
            ) from None
        check_password_strength(password, name)
        now = to_epoch(self.clock.now())
        try:
            with self.conn:
                cur = self.conn.execute(
                    "INSERT INTO users (username, role, password_hash, created_at, password_changed_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, role.value, generate_password_hash(password, method="scrypt"), now, now),
                )
        except sqlite3.IntegrityError:
            raise AccountError(f"user {name!r} already exists", reason=AccountProblem.EXISTS) from None
        return self._reload(cur.lastrowid)

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def _reload(self, user_id: int | None) -> User:
        """The account just written (it cannot have gone: one connection, one transaction)."""
        user = self.get(user_id) if user_id is not None else None
        if user is None:
            raise AccountError("the account changed while it was being saved; try again")
        return user

    def by_name(self, username: str) -> User | None:
        row = self.conn.execute(
            "SELECT * FROM users WHERE username = ?", (normalise_username(username),)
        ).fetchone()
        return _user(row) if row else None

    def require(self, username: str) -> User:
        user = self.by_name(username)
        if user is None:
            raise AccountError(
                f"no user called {normalise_username(username)!r}; see `dozor user list`",
                AccountProblem.UNKNOWN,
            )
        return user

    def list(self) -> list[User]:
        return [_user(r) for r in self.conn.execute("SELECT * FROM users ORDER BY username")]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, or None (same cost either way)."""
        row = self.conn.execute(
            "SELECT * FROM users WHERE username = ?", (normalise_username(username),)
        ).fetchone()
        ok = check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password)
        if not (row and ok and row["active"]):
            return None
        with self.conn:
            self.conn.execute(
                "UPDATE users SET last_login_at = ? WHERE id = ?", (to_epoch(self.clock.now()), row["id"])
            )
        return _user(row)

    def set_active(self, username: str, active: bool) -> User:
        user = self.require(username)
        with self.conn:
            self.conn.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user.id))
            if not active:
                self.conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
        return self._reload(user.id)

    def set_password(self, username: str, password: str) -> User:
        user = self.require(username)
        check_password_strength(password, user.username)
        with self.conn:
            self.conn.execute(
                "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                (generate_password_hash(password, method="scrypt"), to_epoch(self.clock.now()), user.id),
            )
            self.conn.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
        return self._reload(user.id)
