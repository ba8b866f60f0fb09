"""Steps of the wall clock (NTP, an RTC gone wrong), noticed against the monotonic clock, and what they cost.

`ClockStepWatch` notices a step: the wall clock minus the monotonic clock changes by more than slewing
ever could between two looks. The recorder and plate reading use it to keep one run's times on one
timeline that follows the newest wall clock (see recorder/camera_recorder.py).

`AgeGuard` says whether the wall clock may be trusted to age data, for the retention jobs.

A Pi without a real-time clock boots at 1970 or at its last shutdown time and is stepped by NTP later; a
bad time source can step it weeks ahead and back again. Age-based retention that trusts such a step
deletes days of evidence that are well inside `retention_days` ("+30 days" makes everything look old).
So every deletion by age asks `AgeGuard.allows()`: it compares the wall clock with the monotonic clock
(which never steps) since the guard was made, and after a forward step of more than STEP_SECONDS it
refuses age-based deletion for HOLD_SECONDS, with one clear warning. A clock stepped back (or corrected)
within that time costs nothing; a real correction (the Pi's first NTP sync) is trusted once the hold is
over, so data is kept at most a day longer than the retention, never deleted early. Deletion to keep
the disk from filling is not age-based and is never held back.
"""

from __future__ import annotations

import logging
import threading

from edge.clock import Clock, to_epoch

log = logging.getLogger(__name__)

STEP_SECONDS = 3600.0  # a forward step larger than this holds age-based deletion back
HOLD_SECONDS = 86400.0  # for this long (monotonic) after the step
# Slewing moves the wall clock by at most 0.5 ms per second (NTP's limit); a change of the wall clock
# against the monotonic clock larger than this between two looks a few seconds apart is a step.
STEP_TOLERANCE_SECONDS = 1.0


class ClockStepWatch:
    """How far the wall clock has stepped since the last look (0 within slewing)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.offset = self._wall_minus_mono()  # wall epoch seconds minus monotonic seconds, last look

    def look(self, tolerance: float = STEP_TOLERANCE_SECONDS) -> float:
        """The step since the last look in seconds (positive: forward), or 0.0 when within `tolerance`.
        Every look takes the current offset, so slow slewing never adds up to a false step."""
        offset = self._wall_minus_mono()
        step, self.offset = offset - self.offset, offset
        return step if abs(step) > tolerance else 0.0

    def _wall_minus_mono(self) -> float:
        return to_epoch(self.clock.now()) - self.clock.monotonic()


class AgeGuard:
    def __init__(self, clock: Clock, what: str):
        self.clock = clock
        self.what = what
        self._watch = ClockStepWatch(clock)
        self._held_until: float | None = None
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """True when deleting by age is safe now; False (and one warning per step) while held back."""
        with self._lock:
            step, mono = self._watch.look(STEP_SECONDS), self.clock.monotonic()
            if step > 0:
                self._held_until = mono + HOLD_SECONDS
                log.warning(
                    "the wall clock stepped forward by %.1f days; %s holds back deletion by age for %.0f h "
                    "(until the clock has proved right), deletion to keep free disk space goes on",
                    step / 86400, self.what, HOLD_SECONDS / 3600,
                )
            if self._held_until is None:
                return True
            if mono < self._held_until:
                return False
            log.info("%s trusts the wall clock again and deletes by age", self.what)
            self._held_until = None
            return True
