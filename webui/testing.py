"""Helpers for tests of the web UI (like flask.testing): an app on a temporary data folder, the three
kinds of account, and signing in through the real login form with its CSRF token.

Kept in the package, not in tests/, so the route scan, the browser tests and benchmarks share them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from edge.clock import Clock, ManualClock
from edge.config import Config, parse_config
from edge.layout import DataLayout
from webui.webdb import open_web_db

PASSWORDS = {"admin": "admin-pass-1", "police": "police-pass-1", "volunteer": "volunteer-pass-1"}
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def make_config(data_dir: Path, cameras: list[dict[str, Any]] | None = None, **web: Any) -> Config:
    if cameras is None:
        cameras = [
            {"name": "road-north", "url": "rtsp://10.0.0.11/stream1", "title": "Північна дорога"},
            {"name": "village-square", "url": "rtsp://10.0.0.12/stream1", "title": "Площа"},
        ]
    return parse_config({"storage": {"path": str(data_dir)}, "web": web, "cameras": cameras})


def add_standard_users(data_dir: Path, clock: Clock | None = None) -> dict[str, str]:
    """One account per role, named after the role; returns name -> password."""
    from webui.accounts import Accounts

    conn = open_web_db(DataLayout(data_dir))
    try:
        accounts = Accounts(conn, clock or ManualClock())
        for role, password in PASSWORDS.items():
            accounts.add(role, role, password)
    finally:
        conn.close()
    return dict(PASSWORDS)


def csrf_token(html: str) -> str:
    match = _CSRF_RE.search(html)
    if not match:
        raise AssertionError("no CSRF token in the page")
    return match.group(1) or match.group(2)


def login(client: Any, username: str, password: str | None = None, next_url: str = "") -> Any:
    """Sign in through /login like a browser: fetch the form, post it with its token."""
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password if password is not None else PASSWORDS[username],
            "csrf_token": token,
            "next": next_url,
        },
    )


def page_token(client: Any, path: str = "/login") -> str:
    return csrf_token(client.get(path).get_data(as_text=True))
