"""SQLite for every store of Dozor: WAL mode, sane timeouts, and versioned migrations.

Each store (segment catalog, plate store, web accounts and audit) is its own database file under
`storage.path`, so the recorder never waits on a lock taken by plate reading or the UI. A store declares
its schema as an ordered list of migrations; `migrate` applies the missing ones and records the version
in `PRAGMA user_version`. Times are stored as REAL seconds since the Unix epoch, UTC.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)
MAX_INTEGER = 2**63 - 1  # SQLite's INTEGER: a larger Python int raises OverflowError when bound


def sqlite_integer(text: str) -> int:
    """An id or count from outside (a URL, a form): ValueError if it is no integer SQLite can hold."""
    value = int(text)
    if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
        raise ValueError(f"{text[:30]} is out of SQLite's range")
    return value


class SchemaTooNew(Exception):
    """The database was written by a newer Dozor; the daemon refuses to start rather than damage it."""


def connect(path: Path | str, *, readonly: bool = False, timeout: float = 10.0) -> sqlite3.Connection:
    """Open a database in WAL mode. Connections are not shared between threads: open one per thread."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a power cut can lose the last transactions, never corrupt the file.
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.row_factory = sqlite3.Row
    return conn


def migrate(conn: sqlite3.Connection, migrations: Sequence[str], name: str) -> int:
    """Apply the migrations this database lacks, all in one transaction, and return the new version.

    One transaction, not one per migration: the web UI reads the stores read-only while the daemon (or
    the aiming page) creates them, and a reader that saw a version in between met tables without their
    later columns ("no such column", a 500). Now a reader sees the old schema or the whole new one, and
    a migration that fails leaves the database as it was."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(migrations):
        raise SchemaTooNew(
            f"{name} database has schema version {current}, this Dozor knows {len(migrations)}; "
            "upgrade Dozor or restore a matching backup"
        )
    if current == len(migrations):
        return current
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        # Another process (the daemon, the web UI, a CLI command) may have migrated it meanwhile.
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        for version, script in enumerate(migrations[current:], start=current + 1):
            log.info("migrating %s database to version %d", name, version)
            for statement in _statements(script):
                conn.execute(statement)
        if current < len(migrations):
            conn.execute(f"PRAGMA user_version={len(migrations)}")
    return len(migrations)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3.complete_statement knows about quotes)."""
    out, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out
