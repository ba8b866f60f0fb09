"""The packets since the previous keyframe, so decoding can start late without losing a frame.

H.264 and H.265 frames can only be decoded from the keyframe before them. While a camera's road is still,
plate reading decodes keyframes only; when a keyframe shows that something moved since the one before,
the car came in during the previous GOP, so the tap decodes that GOP from here before going on
(recorder/tap_decoder.py). Two GOPs are kept: the previous and the current one. A camera that sends
keyframes far apart gets a bounded buffer instead: past MAX_BYTES (together) the previous GOP goes
first, then the current one, and frames from before the next keyframe cannot be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass

import av

MAX_BYTES = 6 * 1024 * 1024  # ~24 s of a 2 Mbit/s camera; typically 1 MB (two 2-s GOPs)


@dataclass
class Buffered:
    """A packet as the tap received it, with its times."""

    packet: av.Packet
    seq: int  # number within the connection
    stream_time: float  # seconds, the stream's own clock (monotonic within a connection)
    wall: float  # epoch seconds, on the segments' clock
    clock_shift: float


class GopBuffer:
    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.previous: list[Buffered] = []
        self.current: list[Buffered] = []  # from its keyframe on; empty when it could not be kept
        self._bytes = [0, 0]  # previous, current
        self.gop_seconds = 0.0  # the last complete GOP's length

    def add(self, item: Buffered) -> None:
        size = item.packet.size
        if item.packet.is_keyframe:
            if self.current:
                self.gop_seconds = item.stream_time - self.current[0].stream_time
            self.previous, self.current = self.current, [item]
            self._bytes = [self._bytes[1], size]
        elif self.current:
            self.current.append(item)
            self._bytes[1] += size
        while sum(self._bytes) > self.max_bytes and (self.previous or self.current):
            if self.previous:
                self.previous, self._bytes[0] = [], 0
            else:
                self.current, self._bytes[1] = [], 0

    def forget_previous(self) -> None:
        """The previous GOP is decoded already (the main decoder is in the current one): let it go."""
        self.previous, self._bytes[0] = [], 0

    def frames_per_second(self, default: float = 25.0) -> float:
        items = self.previous + self.current if self.current else self.previous
        if len(items) < 2 or items[-1].stream_time <= items[0].stream_time:
            return default
        return (len(items) - 1) / (items[-1].stream_time - items[0].stream_time)

    def clear(self) -> None:
        self.previous, self.current, self._bytes = [], [], [0, 0]
