"""The web UI's own database (web.db): accounts, sessions, login failures, the audit log, settings.

Only the web process and the `dozor user`/`dozor audit` commands write it; the recorder and plate reading
never touch it, so a busy UI can never make them wait on a lock. The audit table refuses UPDATE and
DELETE through triggers (append-only by construction); `accounts.audit` adds the hash chain on top.
"""

from __future__ import annotations

import secrets
import sqlite3

from edge.db import connect, migrate
from edge.layout import DataLayout

MIGRATIONS = [
    # 1: accounts, server-side sessions, login failures, audit log, settings
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'police', 'volunteer')),
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL,
        password_changed_at REAL NOT NULL,
        last_login_at REAL
    );
    CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
        data TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        last_seen REAL NOT NULL
    );
    CREATE INDEX sessions_by_user ON sessions(user_id);
    CREATE INDEX sessions_by_last_seen ON sessions(last_seen);
    CREATE TABLE login_failures (
        username TEXT NOT NULL,
        ip TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX login_failures_by_key ON login_failures(username, ip, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        ip TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE audit_head (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        last_id INTEGER NOT NULL,
        last_hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: the lockout counts checks per address too, and keeps one row per lock episode (webui.lockout)
    """
    CREATE INDEX login_failures_by_ip ON login_failures(ip, at);
    CREATE TABLE login_locks (
        key TEXT PRIMARY KEY,
        started REAL NOT NULL,
        until REAL NOT NULL,
        refused INTEGER NOT NULL
    );
    """,
    # 3: the log's identity (witnessed with its head: a replaced web.db is told apart from an emptied
    # log) and the checkpoint that lets a quick check start where the last one ended (accounts.audit_chain)
    """
    INSERT OR IGNORE INTO settings (key, value) VALUES ('audit_log_id', lower(hex(randomblob(16))));
    CREATE TABLE audit_checkpoint (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        entry_id INTEGER NOT NULL,
        hash TEXT NOT NULL,
        at REAL NOT NULL
    );
    """,
    # 4: the case each entry was written for (accounts.cases); entries from before keep '' and their
    # hashes, which cover the case only when there is one (accounts.audit._digest)
    """
    ALTER TABLE audit ADD COLUMN case_number TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit ADD COLUMN case_reason TEXT NOT NULL DEFAULT '';
    CREATE INDEX audit_by_case ON audit(case_number) WHERE case_number != '';
    """,
    # 5: the watchlist the web UI kept for a while, before the appliance had one watchlist in plates.db:
    # plate_index.watchlist_carry moves any rows into it and leaves these tables empty
    """
    CREATE TABLE watch_entries (
        id INTEGER PRIMARY KEY,
        pattern TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        added_by TEXT NOT NULL,
        added REAL NOT NULL,
        expires REAL NOT NULL,
        removed REAL,
        removed_by TEXT
    );
    CREATE TABLE watch_alerts (
        id INTEGER PRIMARY KEY,
        entry_id INTEGER NOT NULL REFERENCES watch_entries(id),
        sighting_id INTEGER NOT NULL,
        camera TEXT NOT NULL,
        plate TEXT NOT NULL,
        match TEXT NOT NULL,
        first_seen REAL NOT NULL,
        raised REAL NOT NULL,
        acknowledged REAL,
        acknowledged_by TEXT,
        UNIQUE (entry_id, sighting_id)
    );
    CREATE INDEX watch_alerts_by_time ON watch_alerts(raised);
    """,
]


def open_web_db(layout: DataLayout) -> sqlite3.Connection:
    """A read-write connection to web.db with the schema up to date."""
    conn = connect(layout.web_db)
    migrate(conn, MIGRATIONS, "web")
    return conn


def secret_key(conn: sqlite3.Connection) -> str:
    """The app's signing key, created once and kept in web.db so restarts keep users signed in."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("SELECT value FROM settings WHERE key = 'secret_key'").fetchone()
        if row:
            return row["value"]
        value = secrets.token_hex(32)
        conn.execute("INSERT INTO settings (key, value) VALUES ('secret_key', ?)", (value,))
        return value
