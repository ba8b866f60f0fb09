"""What every request may use: the app's config, clock and data layout, and per-request databases.

Connections are opened lazily per request and closed when it ends (SQLite connections must not cross
threads, and waitress serves requests on a pool of threads). The recorder's catalog and the plate
store are opened read-only: the web process can never damage evidence.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, g

from edge.clock import Clock
from edge.config import CameraConfig, Config
from edge.db import connect
from edge.layout import DataLayout


class StoreMissing(Exception):
    """A database the page needs does not exist yet (nothing recorded or read so far).
    The UI answers 503 with a plain explanation instead of an error page."""


@dataclass(frozen=True)
class WebContext:
    config: Config
    clock: Clock
    layout: DataLayout


def ctx() -> WebContext:
    return current_app.extensions["dozor"]


def known_camera(name: str) -> CameraConfig:
    """The configured camera called `name`; 404 for anything else (names in URLs are user input)."""
    for camera in ctx().config.cameras:
        if camera.name == name:
            return camera
    abort(404)


def camera_titles() -> dict[str, str]:
    return {c.name: c.display_name for c in ctx().config.cameras}


def web_db() -> sqlite3.Connection:
    if "web_db" not in g:
        g.web_db = connect(ctx().layout.web_db)
    return g.web_db


def _readonly(key: str, path: Path) -> sqlite3.Connection:
    if key not in g:
        if not path.exists():
            raise StoreMissing(path.name)
        g.setdefault(key, connect(path, readonly=True))
    return g.get(key)


def catalog_db() -> sqlite3.Connection:
    """The recorder's segment catalog, read-only."""
    return _readonly("catalog_db", ctx().layout.catalog_db)


def plates_db() -> sqlite3.Connection:
    """The plate store, read-only."""
    return _readonly("plates_db", ctx().layout.plates_db)


def close_databases(_exc: BaseException | None = None) -> None:
    for key in ("web_db", "catalog_db", "plates_db"):
        conn = g.pop(key, None)
        if conn is not None:
            conn.close()
