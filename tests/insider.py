"""What an insider with the `dozor` user's rights does to web.db (tests of the anchored audit log): open
it with the append-only triggers dropped, and rewrite the log into a chain that is intact in itself."""

from __future__ import annotations

import sqlite3

from accounts import audit


def insider(layout) -> sqlite3.Connection:
    """web.db opened as the `dozor` user can: the triggers dropped first."""
    conn = sqlite3.connect(layout.web_db)
    conn.row_factory = sqlite3.Row
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return conn


def rewrite(conn, rows) -> None:
    """Replace the whole log by `rows`, renumbered, every hash recomputed, the head and checkpoint
    updated, the triggers put back: a chain that is intact in itself."""
    prev = audit.GENESIS
    with conn:
        conn.execute("DELETE FROM audit")
        for new_id, row in enumerate(rows, start=1):
            case = audit.case_of(row)
            digest = audit._digest(new_id, row["at"], row["actor"], row["ip"], row["action"], row["target"],
                                   row["detail"], prev, case)
            conn.execute("INSERT INTO audit (id, at, actor, ip, action, target, detail, prev_hash, hash,"
                         " case_number, case_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (new_id, row["at"], row["actor"], row["ip"], row["action"], row["target"],
                          row["detail"], prev, digest, *case))
            prev = digest
        conn.execute("INSERT OR REPLACE INTO audit_head (one, last_id, last_hash) VALUES (1, ?, ?)",
                     (len(rows), prev))
        conn.execute("DELETE FROM audit_checkpoint")
        conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
                     "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
        conn.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
                     "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def all_rows(conn):
    return conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
