"""The frame tap: decoded frames of one camera for plate reading and the live grid, never at recording's cost.

Whoever reads the stream (the camera's recorder thread, or plate reading's own `lpr_url` connection)
calls `feed(packet)`, which only copies the packet into a bounded queue and returns; when the queue is
full it drops packets until the next keyframe (a decoder cannot use frames after a gap) and counts them.
A decoder thread, running only while someone subscribes, decodes what the subscriptions need
(recorder/tap_decoder.py) and hands each its frames through a small queue that drops the OLDEST frame
when nobody takes it: a slow or dead consumer loses frames, recording loses nothing. What decoding costs
follows what is wanted: keyframes that are due (an unwatched live picture) cost nothing else, not even
a copy of the other packets; plate reading costs keyframes while its motion test finds the road still,
and every frame only while something moves.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import logging
import os
import queue
import threading
from collections.abc import Callable

import av

from edge.clock import Clock, SystemClock, to_epoch
from edge.clock_steps import ClockStepWatch
from recorder.frames import Frame, FrameSubscription, MotionTest
from recorder.gop_buffer import Buffered
from recorder.tap_decoder import TapDecoder
from recorder.wallclock import WallClockAnchor

__all__ = ["Frame", "FrameSubscription", "FrameTap", "MotionTest"]

log = logging.getLogger(__name__)

PACKET_QUEUE = 64  # about 2.5 s of 25 fps video waiting to be decoded
# How long the decoder thread waits for a packet before it looks whether anybody still subscribes. The
# last unsubscribe wakes it at once, so this only bounds a missed wake-up; an idle camera (keyframes
# only, or none at all: an unwatched live picture between two of its keyframes) is not woken for nothing.
IDLE_SECONDS = 10.0
# The daemon's taps (the recorder's, an `lpr_url` stream's) decode at the lowest CPU priority of the
# machine. On a machine with CPU to spare this changes nothing. On an overloaded one (busy traffic on
# every camera: the road is never still, so every frame is decoded) the plate-reading models and
# recording go first, and a decoder that falls behind drops packets to the next keyframe: the frames it
# still decodes are the ones the models have time for, instead of frames decoded only to be dropped at
# the models' door. A tap whose frames are the whole point (the installer's aiming page) keeps its
# priority.
DECODE_NICE = 19


class FrameTap:
    """One per camera. `feed` is called by the stream reader; `subscribe` by consumers."""

    def __init__(self, camera: str, *, clock: Clock | None = None, decode_nice: int = 0):
        self.camera = camera
        self.decode_nice = decode_nice  # the decoder thread's nice value (DECODE_NICE for plate reading)
        self.clock = clock or SystemClock()
        self.dropped_packets = 0
        self._closed_drops = 0
        self._subs: tuple[FrameSubscription, ...] = ()  # replaced, never changed: read without the lock
        self._lock = threading.Lock()
        self._packets: queue.Queue = queue.Queue(maxsize=PACKET_QUEUE)
        self._thread: threading.Thread | None = None
        self.active = False  # someone subscribes: readers may skip feed() while False (a hot-path check)
        self._every_packet = False  # some subscription needs more than keyframes
        self._need_keyframe = True
        self._stream: object = None
        self._seq = 0
        self._anchor = WallClockAnchor()
        self.decoding: TapDecoder | None = None  # the current connection's (for benches and tests)
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

    @property
    def queued(self) -> int:
        """Packets waiting for the decoder thread."""
        return self._packets.qsize()

    def subscribe(
        self, fps: float, *, queue_size: int = 2, name: str = "", keyframes_only: bool = False,
        motion: MotionTest | None = None, hold: float = 1.0, deliver: Callable[[Frame], None] | None = None,
    ) -> FrameSubscription:
        """Frames at up to `fps`. With `keyframes_only`, only keyframes (for next to no CPU: the live
        grid). With a `motion` test, only the frames it finds moving, decoding just keyframes while it
        finds the scene still and every frame until `hold` seconds after the last moving one. With
        `deliver`, frames are handed to it from the tap's thread (it must return at once) instead of
        queued for `get()`."""
        if fps <= 0:
            raise ValueError("fps must be above 0")
        sub = FrameSubscription(self, fps, queue_size, name, keyframes_only and motion is None, motion, hold,
                                deliver)
        with self._lock:
            self._subs = (*self._subs, sub)
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
                self._subs = tuple(s for s in self._subs if s is not sub)
                self._closed_drops += sub.dropped
            self._update_mode()
            if not self._subs:
                self._wake_decoder()

    def _wake_decoder(self) -> None:
        """Have the decoder thread look whether anybody still subscribes (it ends when nobody does).
        With its queue full it is awake anyway, and looks within IDLE_SECONDS of emptying it."""
        with contextlib.suppress(queue.Full):
            self._packets.put_nowait(("wake",))

    def _update_mode(self) -> None:
        every_packet = any(not s.keyframes_only for s in self._subs)
        if every_packet != self._every_packet or not self.active:
            self._need_keyframe = True  # the decoder can only (re)start at a keyframe
        if not self.active:
            self._stream = None  # a (new) decoder thread must be told the stream's codec again
        self.active = bool(self._subs)
        self._every_packet = every_packet

    def feed(self, packet: av.Packet, wall_time: float | None = None) -> None:
        """Offer a video packet (never blocks). `wall_time` as the recorder computed it; when None,
        the tap anchors the stream's timestamps to arrival time itself (a tap-only connection)."""
        if not self.active or packet.pts is None:
            return
        self._seq += 1
        key = packet.is_keyframe
        every_packet = self._every_packet
        if not key and (self._need_keyframe or not every_packet):
            return
        stream = packet.stream
        if stream is not self._stream:  # a new connection: the decoder starts over
            self._stream = stream
            self._anchor = WallClockAnchor()
            codec = stream.codec_context
            self._put(("stream", codec.name, codec.extradata))
        stream_time = float(packet.pts * packet.time_base)
        if wall_time is None:
            if step := self._clock_steps.look():
                self._anchor.shift(step)
                self.clock_shift += step
            wall = self._anchor.observe(stream_time, to_epoch(self.clock.now()))
        else:
            wall = wall_time
        if not every_packet and not any(s._due(wall) for s in self._subs):
            return  # a keyframe no subscriber wants yet: not even copied
        copy = av.Packet(packet.size)  # the reader keeps (and rebases) its packet; we decode a copy
        copy.update(packet)
        copy.is_keyframe = key
        copy.pts = self._seq  # decoders hand pts on to the picture: which packet it came from
        if not self._put(("packet", Buffered(copy, self._seq, stream_time, wall, self.clock_shift))):
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
        name_os_thread(f"tap {self.camera}")
        if self.decode_nice:
            lower_os_thread_priority(self.decode_nice)
        decoding: TapDecoder | None = None
        while True:
            try:
                item = self._packets.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                item = ("wake",)
            if item[0] == "wake":
                with self._lock:
                    if not self._subs:
                        self._thread = None
                        return
                continue
            subs = self._subs
            if item[0] == "stream":
                decoding = self.decoding = TapDecoder(self, item[1], item[2])
                for sub in subs:
                    sub.restart()
            elif decoding is not None:
                try:
                    decoding.handle(item[1], subs)
                except Exception:  # a bug here must cost frames, never the thread (recording is safe)
                    log.exception("%s: the frame tap failed on a packet", self.camera)
                    decoding.position = None


@functools.cache
def _prctl():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").prctl
    except (OSError, AttributeError):
        return None


def name_os_thread(name: str) -> None:
    """Name the calling thread for the OS (`top -H`, /proc/PID/task/*/comm; 15 bytes kept), so the
    benches can tell decoding from recording."""
    prctl = _prctl()
    if prctl is not None:
        prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def lower_os_thread_priority(nice: int) -> None:
    """Give the calling thread (only it: Linux keeps a nice value per thread) the `nice` value; raising
    it needs no privilege. Where the OS refuses, the thread keeps its priority."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except OSError as error:
        log.debug("cannot lower the priority of thread %s: %s", threading.get_native_id(), error)
