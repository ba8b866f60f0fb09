"""The frame tap: decoded frames of one camera for plate reading and the live grid, never at recording's cost.

Whoever reads the stream (the camera's recorder thread, or plate reading's own `lpr_url` connection)
calls `feed(packet)`, which only copies the packet into a bounded queue and returns; when the queue is
full it drops packets until the next keyframe (a decoder cannot use frames after a gap) and counts them.
A decoder thread, running only while someone subscribes, decodes and hands each subscription frames at
its own rate through a small queue that drops the OLDEST frame when nobody takes it: a slow or dead
consumer loses frames, recording loses nothing. While every subscriber is content with keyframes (the
live grid), only keyframes are decoded, which costs a few percent of what decoding every frame would.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
from dataclasses import dataclass

import av
import numpy

from edge.clock import Clock, SystemClock, to_epoch
from edge.clock_steps import ClockStepWatch
from recorder.wallclock import WallClockAnchor

log = logging.getLogger(__name__)

PACKET_QUEUE = 64  # about 2.5 s of 25 fps video waiting to be decoded


@dataclass(frozen=True)
class Frame:
    camera: str
    wall_time: float  # epoch seconds UTC, on the same clock as the segments
    image: numpy.ndarray  # H x W x 3 uint8, BGR (what OpenCV / fast-alpr expect); read-only, shared
    seq: int  # decoded-frame number within the connection
    clock_shift: float = 0.0  # the wall-clock steps the reader's times had followed (camera_recorder)


class FrameSubscription:
    """Frames of one camera at `fps`; `get()` the next one. Close it when done."""

    def __init__(self, tap: FrameTap, fps: float, queue_size: int, name: str, keyframes_only: bool):
        self.camera = tap.camera
        self.fps = fps
        self.name = name
        self.keyframes_only = keyframes_only
        self.delivered = 0
        self.dropped = 0
        self._tap = tap
        self._frames: collections.deque[Frame] = collections.deque(maxlen=max(1, queue_size))
        self._ready = threading.Condition()
        self._next_due = 0.0  # wall epoch seconds of the next frame to deliver
        self.closed = False

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
        with self._ready:
            if self.closed:
                return
            if len(self._frames) == self._frames.maxlen:
                self.dropped += 1  # the deque drops the oldest as we append
            self._frames.append(frame)
            self.delivered += 1
            self._ready.notify()


class FrameTap:
    """One per camera. `feed` is called by the stream reader; `subscribe` by consumers."""

    def __init__(self, camera: str, *, clock: Clock | None = None):
        self.camera = camera
        self.clock = clock or SystemClock()
        self.dropped_packets = 0
        self._closed_drops = 0
        self._subs: list[FrameSubscription] = []
        self._lock = threading.Lock()
        self._packets: queue.Queue = queue.Queue(maxsize=PACKET_QUEUE)
        self._thread: threading.Thread | None = None
        self.active = False  # someone subscribes: readers may skip feed() while False (a hot-path check)
        self._keyframes_only = False  # every subscription is content with keyframes
        self._need_keyframe = True
        self._stream: object = None
        self._anchor = WallClockAnchor()
        # Set by the recorder when the wall clock steps; each packet carries the value it was fed with,
        # so plate reading learns of a step exactly between the last old-time and the first new-time frame.
        # A tap-only connection (feed without wall_time) watches for steps itself.
        self.clock_shift = 0.0
        self._clock_steps = ClockStepWatch(self.clock)

    @property
    def dropped(self) -> int:
        """Packets the decoder could not keep up with plus frames consumers did not take in time
        (since start, closed subscriptions included)."""
        with self._lock:
            return self.dropped_packets + self._closed_drops + sum(s.dropped for s in self._subs)

    def subscribe(
        self, fps: float, *, queue_size: int = 2, name: str = "", keyframes_only: bool = False
    ) -> FrameSubscription:
        """Frames at up to `fps`; with `keyframes_only`, fewer frames for much less CPU (live grid)."""
        if fps <= 0:
            raise ValueError("fps must be above 0")
        sub = FrameSubscription(self, fps, queue_size, name, keyframes_only)
        with self._lock:
            self._subs.append(sub)
            self._update_mode()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._decode_loop, name=f"tap-{self.camera}", daemon=True
                )
                self._thread.start()
        return sub

    def _unsubscribe(self, sub: FrameSubscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
                self._closed_drops += sub.dropped
            self._update_mode()

    def _update_mode(self) -> None:
        keyframes_only = bool(self._subs) and all(s.keyframes_only for s in self._subs)
        if keyframes_only != self._keyframes_only or not self.active:
            self._need_keyframe = True  # the decoder can only (re)start at a keyframe
        if not self.active:
            self._stream = None  # a (new) decoder thread must be told the stream's codec again
        self.active = bool(self._subs)
        self._keyframes_only = keyframes_only

    def feed(self, packet: av.Packet, wall_time: float | None = None) -> None:
        """Offer a video packet (never blocks). `wall_time` as the recorder computed it; when None,
        the tap anchors the stream's timestamps to arrival time itself (a tap-only connection)."""
        if not self.active:
            return
        key = packet.is_keyframe
        if (self._need_keyframe or self._keyframes_only) and not key:
            return
        stream = packet.stream
        if stream is not self._stream:  # a new connection: the decoder starts over
            self._stream = stream
            self._anchor = WallClockAnchor()
            codec = stream.codec_context
            item: tuple = ("stream", codec.name, codec.extradata)
            self._put(item)
        if wall_time is None:
            if step := self._clock_steps.look():
                self._anchor.shift(step)
                self.clock_shift += step
            wall = self._anchor.observe(float(packet.pts * packet.time_base), to_epoch(self.clock.now()))
        else:
            wall = wall_time
        copy = av.Packet(packet.size)  # the reader keeps (and rebases) its packet; we decode a copy
        copy.update(packet)
        copy.is_keyframe = key
        copy.pts = round(wall * 1_000_000)  # decoders hand pts on to the frame: its wall time, exactly
        if not self._put(("packet", copy, self.clock_shift)):
            self._need_keyframe = True
            return
        self._need_keyframe = False

    def _put(self, item: tuple) -> bool:
        try:
            self._packets.put_nowait(item)
            return True
        except queue.Full:
            self.dropped_packets += 1
            return False

    def _decode_loop(self) -> None:
        decoder: av.CodecContext | None = None
        codec: tuple = ()
        keyframes_only = False
        seq = 0
        while True:
            try:
                item = self._packets.get(timeout=0.5)
            except queue.Empty:
                with self._lock:
                    if not self._subs:
                        self._thread = None
                        return
                continue
            if item[0] == "stream":
                codec, decoder, seq = item[1:], None, 0
                continue
            if not codec:
                continue
            if decoder is None or (keyframes_only != self._keyframes_only and item[1].is_keyframe):
                keyframes_only = self._keyframes_only
                decoder = _new_decoder(*codec, keyframes_only=keyframes_only)
            try:
                frames = decoder.decode(item[1])
            except av.error.FFmpegError as exc:
                log.debug("%s: frame tap could not decode a packet: %s", self.camera, exc)
                continue
            for frame in frames:
                if frame.pts is None:
                    continue
                seq += 1
                self._deliver(frame, frame.pts / 1_000_000, seq, item[2])

    def _deliver(self, frame: av.VideoFrame, wall: float, seq: int, clock_shift: float) -> None:
        with self._lock:
            due = [s for s in self._subs if s._due(wall)]
        if not due:
            return
        image = frame.to_ndarray(format="bgr24")
        image.flags.writeable = False
        out = Frame(self.camera, wall, image, seq, clock_shift)
        for sub in due:
            sub._offer(out, wall)


def _new_decoder(codec: str, extradata: bytes | None, *, keyframes_only: bool) -> av.CodecContext:
    """One decoding thread per camera, for full rate and keyframes alike.

    A single thread decodes a 1080p camera at 25 frames/s in under a tenth of one core, so frame
    threading buys nothing here; it cost 15-20 % more CPU and ~3.5 MB more per camera (a second copy of
    the decoder's pictures), which at 24 cameras was the difference between fitting the memory budget
    and not (bench/soak.py), and it delays each frame by a few frames (a stale live picture when only
    keyframes are decoded)."""
    decoder = av.CodecContext.create(codec, "r")
    if extradata:
        decoder.extradata = extradata
    decoder.thread_count = 1
    if keyframes_only:
        decoder.skip_frame = "NONKEY"
    return decoder
