"""Whether the system clock is synchronised to a time source, asked of the kernel (adjtimex).

Evidence is only as good as its timestamps: a site report must say whether the clock was set by NTP
(or PTP, GPS). The kernel knows: an NTP client that disciplines the clock clears STA_UNSYNC in the
kernel's time status, and keeps `maxerror` (its bound on the error) small; an unsynchronised clock has
STA_UNSYNC set. This is what `timedatectl` shows as "System clock synchronized", read without D-Bus
or systemd, so it also works in a container or under `dozor web`'s sandbox. adjtimex with modes = 0
only reads; it needs no privilege.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

STA_UNSYNC = 0x0040
TIME_ERROR = 5  # adjtimex's return value for an unsynchronised clock
# maxerror grows by 500 ppm (0.5 ms per second) when nobody disciplines the clock; the kernel calls
# it unsynchronised at 16 s.
MAX_ERROR_US = 16_000_000


class _Timex(ctypes.Structure):
    """struct timex (linux/timex.h), as glibc lays it out on 64-bit and 32-bit Linux."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_padding", ctypes.c_int * 11),
    ]


@dataclass(frozen=True)
class TimeSync:
    synchronised: bool | None  # None: cannot tell (not Linux, no glibc)
    max_error_ms: float | None  # the kernel's bound on the clock's error


@functools.cache
def _adjtimex():
    """libc's adjtimex, looked up once (find_library runs ldconfig); None where there is none."""
    try:
        adjtimex = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).adjtimex
    except (OSError, AttributeError, TypeError):
        return None
    adjtimex.argtypes, adjtimex.restype = [ctypes.POINTER(_Timex)], ctypes.c_int
    return adjtimex


def time_sync() -> TimeSync:
    """The kernel's view of the system clock right now."""
    adjtimex = _adjtimex()
    if adjtimex is None:
        return TimeSync(None, None)
    timex = _Timex()  # modes = 0: read only
    state = adjtimex(ctypes.byref(timex))
    if state < 0:
        log.debug("adjtimex failed (errno %d)", ctypes.get_errno())
        return TimeSync(None, None)
    synchronised = not timex.status & STA_UNSYNC and state != TIME_ERROR and timex.maxerror < MAX_ERROR_US
    return TimeSync(synchronised, round(timex.maxerror / 1000, 1))
