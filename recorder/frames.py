"""What the frame tap hands out: decoded frames, and subscriptions that deliver them at a rate.

A `Frame` keeps the decoder's own picture (YUV) and makes the BGR array only when asked (`image`), once:
most frames a camera decodes are only looked at by the motion gate, which needs the brightness plane
(`grey`, no conversion at all), and only the few the plate models read, or the live grid shows, are
converted. A subscription's queue drops the OLDEST frame when nobody takes it, so a slow or dead
consumer loses frames and holds at most `queue_size` pictures, copied out of the decoder (`detached`)
so that a picture waiting in a queue never makes the decoder allocate another. A consumer that keeps
only what it needs (plate reading's chooser) takes them through `deliver` instead, called from the
tap's thread: no queue of pictures at all.

A subscription with a `MotionTest` (plate reading) is asked about frames only while something moves:
the tap decodes just the keyframes while the test finds the scene still, and delivers only the frames
the test found moving (recorder/tap_decoder.py).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import av
import numpy

LUMA_FIRST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "gray"}
I420 = {"yuv420p", "yuvj420p"}


@dataclass(frozen=True)
class YuvCopy:
    """A decoded 4:2:0 picture copied out of its decoder: the planes one under the other (H*3/2 x W)."""

    planes: numpy.ndarray
    height: int


@dataclass(frozen=True)
class Frame:
    camera: str
    wall_time: float  # epoch seconds UTC, on the same clock as the segments
    picture: Any  # the decoder's av.VideoFrame (or an H x W x 3 BGR array); read it through image/grey
    seq: int  # the packet's number within the connection (frames skipped by the tap still count)
    clock_shift: float = 0.0  # the wall-clock steps the reader's times had followed (camera_recorder)
    motion: float = 0.0  # what the subscription's MotionTest said: the share of the picture that moved

    @cached_property
    def image(self) -> numpy.ndarray:
        """H x W x 3 uint8, BGR (what OpenCV / fast-alpr expect); read-only, shared by subscribers."""
        picture = self.picture
        if isinstance(picture, numpy.ndarray):
            return picture
        image = video_frame(picture).to_ndarray(format="bgr24")
        image.flags.writeable = False
        return image

    @property
    def pixels(self) -> numpy.ndarray:
        """The picture as the smallest array that holds it: a copied 4:2:0 picture's planes (H*3/2 x W,
        half of BGR's bytes; plate reading's frame slots take them, and the worker converts), else
        `image`."""
        return self.picture.planes if isinstance(self.picture, YuvCopy) else self.image

    @cached_property
    def grey(self) -> numpy.ndarray:
        """H x W uint8 brightness: the decoder's luma plane itself when it has one (no copy)."""
        picture = self.picture
        if isinstance(picture, YuvCopy):
            return picture.planes[: picture.height]
        if isinstance(picture, numpy.ndarray):
            return video_frame(picture).to_ndarray(format="gray")
        if picture.format.name not in LUMA_FIRST:
            return picture.to_ndarray(format="gray")
        plane = picture.planes[0]
        rows = numpy.frombuffer(plane, numpy.uint8)[: plane.line_size * plane.height]
        return rows.reshape(plane.height, plane.line_size)[:, : plane.width]


    def detached(self) -> Frame:
        """The same frame with its picture copied out of the decoder (1.4 MB for 720p 4:2:0), for a
        consumer that keeps a frame a while: a decoder whose pictures are held allocates new ones, and
        its pool keeps them all (24 cameras' decoders grew by ~100 MB so)."""
        picture = self.picture
        if isinstance(picture, numpy.ndarray | YuvCopy):
            return self
        if picture.format.name in I420 and picture.width % 2 == 0 and picture.height % 2 == 0:
            copy: Any = YuvCopy(picture.to_ndarray(), picture.height)
        else:
            copy = self.image
        return Frame(self.camera, self.wall_time, copy, self.seq, self.clock_shift, self.motion)


def video_frame(picture: Any) -> av.VideoFrame:
    """A frame's picture as an av.VideoFrame, for FFmpeg's own conversions, scaling and JPEG: the daemon
    does its picture work with PyAV, which it loads anyway, and not with OpenCV, whose library alone
    keeps ~35 MB resident in every process that imports it."""
    if isinstance(picture, YuvCopy):
        return av.VideoFrame.from_ndarray(picture.planes, format="yuv420p")
    if isinstance(picture, numpy.ndarray):
        return av.VideoFrame.from_ndarray(numpy.ascontiguousarray(picture), format="bgr24")
    return picture


class Tap(Protocol):
    """What a subscription and a connection's decoder need of their recorder.frame_tap.FrameTap (a
    protocol, so that this module and the decoder do not import the tap that imports them)."""

    camera: str

    def _unsubscribe(self, sub: FrameSubscription) -> None: ...


class MotionTest(Protocol):
    """What a subscription that wants frames only while something moves gives the tap (plate reading's
    motion gate). It is asked from the tap's thread, in stream order."""

    def differs(self, frame: Frame) -> bool:
        """Whether `frame` (a keyframe) differs from the last frame looked at; changes nothing."""
        ...

    def look(self, frame: Frame) -> float:
        """0.0 when nothing moves in `frame`, else how much moved (> 0); the frames after it are
        compared with it."""
        ...


class FrameSubscription:
    """Frames of one camera at `fps`; `get()` the next one. Close it when done."""

    def __init__(
        self, tap: Tap, fps: float, queue_size: int, name: str, keyframes_only: bool,
        motion: MotionTest | None = None, hold: float = 1.0, deliver: Callable[[Frame], None] | None = None,
    ):
        self.camera = tap.camera
        self.fps = fps
        self.name = name
        self.keyframes_only = keyframes_only
        self.motion = motion
        self.hold = hold  # stream seconds the tap keeps decoding every frame after the last moving one
        self.deliver = deliver  # frames go to it, from the tap's thread, instead of the queue
        self.delivered = 0
        self.dropped = 0
        self._tap = tap
        self._frames: collections.deque[Frame] = collections.deque(maxlen=max(1, queue_size))
        self._ready = threading.Condition()
        self._next_due = 0.0  # wall epoch seconds of the next frame to deliver
        self.closed = False
        self.restart()

    def restart(self) -> None:
        """A new connection: stream times start over (motion subscriptions keep them)."""
        self.awake_until = float("-inf")  # stream seconds: every frame is decoded until then
        self.next_sample = float("-inf")  # stream seconds of the next frame to look at
        self.looked_until = float("-inf")  # stream seconds of the last frame looked at

    def get(self, timeout: float | None = None) -> Frame | None:
        """The oldest waiting frame; None on timeout or when the subscription is closed."""
        with self._ready:
            if not self._frames and not self.closed:
                self._ready.wait(timeout)
            return self._frames.popleft() if self._frames else None

    def close(self) -> None:
        with self._ready:
            self.closed = True
            self._ready.notify_all()
        self._tap._unsubscribe(self)

    def _due(self, wall: float) -> bool:
        """Whether a frame at `wall` is due. A frame more than a period before the next due time means
        the wall clock stepped back (frames are in time order otherwise): due, restarting the rhythm,
        or after a step back of an hour plate reading would get no frame for that hour."""
        return wall >= self._next_due - 0.002 or wall < self._next_due - 1.5 / self.fps

    def _offer(self, frame: Frame, wall: float) -> None:
        period = 1 / self.fps
        self._next_due += period
        if not wall - period < self._next_due <= wall + period:  # the first frame, after a gap or a
            self._next_due = wall + period  # clock step: restart the rhythm here
        self._put(frame)

    def _put(self, frame: Frame) -> None:
        if self.deliver is not None:
            if not self.closed:
                self.delivered += 1
                self.deliver(frame)
            return
        # A queued frame waits for its consumer (the live picture's JPEG, under load tens of ms) while
        # the decoder goes on: holding the decoder's own picture then grows its pool by one for good.
        frame = frame.detached()
        with self._ready:
            if self.closed:
                return
            if len(self._frames) == self._frames.maxlen:
                self.dropped += 1  # the deque drops the oldest as we append
            self._frames.append(frame)
            self.delivered += 1
            self._ready.notify()
