"""What every request may use: the app's config, clock and data layout, and its databases.

Connections are kept per thread (the server runs requests on fixed pools of threads, and a SQLite
connection must stay in its thread): opening and closing one per request would throw away SQLite's page
cache each time and, for web.db, checkpoint the WAL on every close (measured: ~2 ms of a 10 ms search).
The recorder's catalog and the plate store are opened read-only: the web process can never damage
evidence. The one exception is the watchlist (its entries and the alerts' acknowledgements, in plates.db
beside the sightings), through a connection of its own that only the watchlist pages use.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import abort, current_app

from edge.clock import Clock, to_epoch
from edge.config import CameraConfig, Config
from edge.db import connect
from edge.layout import DataLayout
from plate_index.index import PlateIndex, SqliteIndex
from plate_index.search import SightingHit
from webui.viewings import Viewings


class StoreMissing(Exception):
    """A database the page needs does not exist yet (nothing recorded or read so far).
    The UI answers 503 with a plain explanation instead of an error page."""


class IndexUnreachable(Exception):
    """The shared plate index (`[index] url`, PostgreSQL) cannot be reached: the UI answers 503 saying
    so, never an empty result that would read as "this car was not seen"."""


class Databases:
    """This app's connections, one set per thread, opened on first use and kept."""

    def __init__(self, layout: DataLayout, index_url: str = ""):
        self.layout = layout
        self.index_url = index_url
        self._local = threading.local()

    def _get(self, name: str, path: Path, readonly: bool) -> sqlite3.Connection:
        conn = getattr(self._local, name, None)
        if conn is None:
            if readonly and not path.exists():
                raise StoreMissing(path.name)
            conn = connect(path, readonly=readonly)
            if readonly and conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                conn.close()  # created a moment ago, its tables not made yet: as good as missing
                raise StoreMissing(path.name)
            setattr(self._local, name, conn)
        return conn

    def web(self) -> sqlite3.Connection:
        return self._get("web", self.layout.web_db, readonly=False)

    def catalog(self) -> sqlite3.Connection:
        return self._get("catalog", self.layout.catalog_db, readonly=True)

    def plates(self) -> sqlite3.Connection:
        return self._get("plates", self.layout.plates_db, readonly=True)

    def plate_index(self) -> PlateIndex:
        """What search reads: the shared index when `[index] url` is set (one connection per thread,
        opened again after the server went away), else plates.db."""
        if not self.index_url:
            return SqliteIndex(self.plates(), owned=False)
        import psycopg

        from plate_index.pg_index import PostgresIndex

        index = getattr(self._local, "index", None)
        if index is None or index.conn.closed or index.conn.broken:
            try:
                index = PostgresIndex.open(self.index_url, readonly=True)
            except psycopg.OperationalError as exc:
                raise IndexUnreachable(str(exc)) from exc
            self._local.index = index
        return _Reconnecting(index)

    def watchlist(self) -> sqlite3.Connection:
        """The watchlist and its alerts, read-write: the only tables of plates.db the web UI writes."""
        conn = getattr(self._local, "watchlist", None)
        if conn is None:
            from plate_index.watchlist import open_watchlist

            conn = open_watchlist(self.layout)
            self._local.watchlist = conn
        return conn

    def end_request(self) -> None:
        """A request that failed inside a transaction must not leave it open for the next one."""
        for name in ("web", "catalog", "plates", "watchlist"):
            conn = getattr(self._local, name, None)
            if conn is not None and conn.in_transaction:
                conn.rollback()


@dataclass(frozen=True)
class WebContext:
    config: Config
    clock: Clock
    layout: DataLayout
    databases: Databases = field(init=False)
    viewings: Viewings = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "databases", Databases(self.layout, self.config.index.url))
        object.__setattr__(self, "viewings", Viewings(self.clock))

    def retention_horizon(self) -> datetime:
        """The oldest moment the UI may show: sightings and video before it are past
        storage.retention_days and gone for the UI, even if the daemon has not deleted them yet."""
        return self.clock.now() - timedelta(days=self.config.storage.retention_days)

    def elsewhere(self, hit: SightingHit) -> bool:
        """The sighting's video and pictures are on another appliance of the shared index: this one must
        never look for them in its own folders (its camera of the same name recorded something else)."""
        return hit.node is not None and hit.node != self.config.index.node_name

    def gone(self, camera: str, start: datetime, end: datetime) -> bool:
        """Past the retention horizon and kept by no case hold (recorder.holds): the UI acts as if it
        were deleted. Held video and sightings stay viewable until the hold ends."""
        if end >= self.retention_horizon():
            return False
        from recorder.holds import active, held

        holds = active(self.layout, to_epoch(self.clock.now()))
        return not held(holds, camera, to_epoch(start), to_epoch(end))


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
    return ctx().databases.web()


def catalog_db() -> sqlite3.Connection:
    """The recorder's segment catalog, read-only (StoreMissing until the recorder created it)."""
    return ctx().databases.catalog()


def watchlist_db() -> sqlite3.Connection:
    """The watchlist and its alerts in plates.db, read-write (plate_index.watchlist)."""
    return ctx().databases.watchlist()


def plates_db() -> sqlite3.Connection:
    """The plate store, read-only (StoreMissing until plate reading created and migrated it)."""
    return ctx().databases.plates()


def plate_search() -> PlateIndex:
    """What police search reads: plates.db, or the hromada's shared index (plate_index.index);
    StoreMissing or IndexUnreachable when it cannot answer."""
    return ctx().databases.plate_index()


class _Reconnecting:
    """A shared index whose connection broke mid-request (the server restarted) reports IndexUnreachable;
    the next request opens a new connection."""

    def __init__(self, index: PlateIndex):
        self._index = index

    def search(self, query: str, **filters: Any) -> list[SightingHit]:
        return self._call(self._index.search, query, **filters)

    def get_sighting(self, sighting_id: int) -> SightingHit | None:
        return self._call(self._index.get_sighting, sighting_id)

    def own_sighting(self, node: str, node_sighting: int) -> int | None:
        return self._call(self._index.own_sighting, node, node_sighting)

    def close(self) -> None:
        self._index.close()

    @staticmethod
    def _call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import psycopg

        try:
            return method(*args, **kwargs)
        except psycopg.OperationalError as exc:
            raise IndexUnreachable(str(exc)) from exc


def close_databases(_exc: BaseException | None = None) -> None:
    ctx().databases.end_request()
