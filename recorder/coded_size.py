"""A free early sign of motion: a P-frame much larger than the camera's usual ones.

A P-frame codes what changed since the frame before, so a car driving in makes the next few larger,
until the camera's rate control catches up. Measured on the drive-by clips (1280x720, 2 Mbit/s, sensor
noise): with VBR (constant quality) P-frames grow ~25 % while a car is in view; with CBR and ABR the
rate control spends the same bits on the noise either way, and only the car's first 2-9 frames stand
out, for about half of the cars; on a dark, noisy night scene nothing stands out. So this is only an
accelerator: the keyframe test (recorder/tap_decoder.py) is what plate reading relies on. A warning is
raised when three P-frames in a row are above the running mean by a quarter and by four mean deviations
(both learnt from the last ~30 P-frames that were not raised, after a 100-frame warm-up). Raises that
the motion test then finds nothing in are counted by the caller (`wrong`): after WRONG_LIMIT of them in
a row the watch stays quiet for MUTE_SECONDS, so a camera where the sizes say nothing costs nothing.
"""

from __future__ import annotations

ALPHA = 0.03
WARM_UP_FRAMES = 100
RUN = 3
RELATIVE, DEVIATIONS = 0.25, 4.0
WRONG_LIMIT = 3
MUTE_SECONDS = 300.0


class CodedSizeWatch:
    def __init__(self) -> None:
        self._mean = 0.0
        self._deviation = 0.0
        self._seen = 0
        self._run = 0
        self._wrong = 0
        self._muted_until = float("-inf")
        self.raised = 0

    def observe(self, size: int, keyframe: bool, stream_time: float) -> bool:
        """Feed every packet's size; True when this one says "something started to move"."""
        if keyframe:
            self._run = 0
            return False
        if self._seen == 0:
            self._mean, self._deviation = float(size), 0.1 * size
        self._seen += 1
        limit = self._mean + max(DEVIATIONS * self._deviation, RELATIVE * self._mean)
        if size <= limit:
            self._run = 0
            self._deviation += ALPHA * (abs(size - self._mean) - self._deviation)
            self._mean += ALPHA * (size - self._mean)
            return False
        self._run += 1
        if self._run != RUN or self._seen <= WARM_UP_FRAMES or stream_time < self._muted_until:
            return False
        self.raised += 1
        return True

    def outcome(self, right: bool, stream_time: float) -> None:
        """Whether the motion test found something after the last raise."""
        self._wrong = 0 if right else self._wrong + 1
        if self._wrong >= WRONG_LIMIT:
            self._muted_until = stream_time + MUTE_SECONDS
            self._wrong = 0
