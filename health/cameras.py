"""Is this camera online? One answer for every screen: `dozor status` and `dozor cameras`, `/healthz`,
the admin page, the live grid's badges and the daemon's systemd status line.

The recorder refreshes each camera's status row every few seconds; a row older than
recorder.catalog.STATUS_STALE_SECONDS means the recorder is not running, whatever the row says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recorder.catalog import CameraStatus
from recorder.reasons import OutageReason, Reason


@dataclass(frozen=True)
class Availability:
    online: bool
    reason: Reason | None  # why it is not online (None when it is)
    since: datetime | None  # online or offline since (the last refresh, when the recorder stopped)
    recorder_running: bool  # the row is fresh: the recorder is looking after this camera


def availability(enabled: bool, status: CameraStatus | None, now: datetime) -> Availability:
    """The camera's state from its status row (None: it never had one) at `now`."""
    if not enabled:
        return Availability(False, Reason(OutageReason.DISABLED), None, False)
    if status is None:
        return Availability(False, Reason(OutageReason.NO_STATUS), None, False)
    if status.is_stale(now):
        return Availability(False, Reason(OutageReason.RECORDER_NOT_RUNNING), status.updated, False)
    online = status.state == "online"
    return Availability(online, None if online else status.reason, status.since, True)
