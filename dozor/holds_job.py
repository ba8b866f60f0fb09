"""The daemon's minute job that ends case holds at their end date, and audits each end.

Retention already stops keeping a hold's video the moment its end date passes (recorder.holds.active);
this job writes that down: the hold is marked ended in holds.db and an entry `hold_ended`, carrying the
hold's case, goes into the audit log, so the log tells when held data became deletable.
"""

from __future__ import annotations

import logging

from accounts import audit
from accounts.audit import AuditAction
from accounts.cases import Case
from accounts.webdb import open_web_db
from edge.clock import Clock, to_epoch
from edge.layout import DataLayout
from recorder import holds

log = logging.getLogger(__name__)
HOLDS_SECONDS = 60.0


def end_due_holds(layout: DataLayout, clock: Clock) -> int:
    """End the holds whose end date passed, each after its audit entry is written (a hold whose entry
    cannot be written now stays open and is ended at the next run); returns how many."""
    if not layout.holds_db.exists():
        return 0
    now = to_epoch(clock.now())
    conn = holds.open_holds(layout)
    try:
        due = holds.due(conn, now)
        if not due:
            return 0
        web = open_web_db(layout)
        try:
            for hold in due:
                audit.append(web, clock, actor="system", ip="-", action=AuditAction.HOLD_ENDED,
                             target=f"hold {hold.id}", detail=hold.audit_detail(),
                             case=Case(hold.case_number, hold.case_reason))
                holds.release(conn, hold.id, now, "system", holds.ENDED)
        finally:
            web.close()
    finally:
        conn.close()
    log.info("%d case hold(s) reached their end date", len(due))
    return len(due)
