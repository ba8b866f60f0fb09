"""Wall-clock time of stream packets: arrival time of the connection's first keyframe plus stream time.

Cameras' own clocks are often wrong (no NTP on the camera VLAN), so Dozor times video by when it arrived
and by the stream's timestamps, which are exact between frames. The anchor only ever moves earlier while
packets arrive "ahead" of it (the first ones sat in FFmpeg's probe buffer before we saw them), so it
settles at the least-delayed packet within a second. If stream time and the wall clock drift apart by
more than `max_drift` for a while (a camera clock running fast or slow), `drifted` turns true: the
recorder cuts the segment and starts a fresh anchor. A step of the wall clock itself (NTP) is not drift:
the recorder notices it and moves the anchor with `shift`, so the video follows the new time unbroken.
Except in a connection's first seconds: stream time running far ahead of arrival there is a backlog (a
camera or server catching up after a stall sends seconds of video, or keyframes seconds apart, at once),
so the anchor moves back over it; declaring drift there re-anchored at every keyframe of the burst, and
the segments cut at each of them all ended "now", on top of each other in the catalog.
"""

from __future__ import annotations

DRIFT_CONFIRM_SECONDS = 5.0
BACKLOG_SECONDS = 5.0  # how long after a connection's first packet a burst counts as a backlog


class WallClockAnchor:
    def __init__(self, max_drift: float = 1.5):
        self.max_drift = max_drift
        self._offset: float | None = None  # wall epoch seconds minus stream seconds
        self._late_since: float | None = None
        self._first_arrival = 0.0
        self.drifted = False

    @property
    def anchored(self) -> bool:
        return self._offset is not None

    def observe(self, stream_seconds: float, arrival: float) -> float:
        """Record that a packet with this stream time arrived at `arrival`; return its wall time."""
        estimate = arrival - stream_seconds
        if self._offset is None:
            self._offset = estimate
            self._first_arrival = arrival
        elif estimate < self._offset - self.max_drift:
            if 0 <= arrival - self._first_arrival <= BACKLOG_SECONDS:
                self._offset = estimate  # a backlog: the connection's first packets were old video
                self._late_since = None
            else:
                self.drifted = True  # far ahead: the wall clock stepped back, or stream time jumped
        elif estimate < self._offset:
            self._offset = estimate  # less delayed than any packet before: a better anchor
            self._late_since = None
        elif estimate > self._offset + self.max_drift:
            if self._late_since is None:
                self._late_since = arrival
            elif arrival - self._late_since > DRIFT_CONFIRM_SECONDS:
                self.drifted = True
        else:
            self._late_since = None
        return stream_seconds + self._offset

    def shift(self, seconds: float) -> None:
        """The wall clock stepped by `seconds`: the same video, timed on the new clock."""
        if self._offset is not None:
            self._offset += seconds
        self._first_arrival += seconds
        if self._late_since is not None:
            self._late_since += seconds

    def wall(self, stream_seconds: float) -> float:
        """Wall time of a stream time, with the current anchor (observe() must have been called)."""
        assert self._offset is not None
        return stream_seconds + self._offset
