"""One connection's decoding for a frame tap: decode only what the subscribers need, late if need be.

What each kind of subscription costs:
- keyframes only (the live grid nobody watches): the due keyframes, nothing else (FrameTap.feed does not
  even queue the rest);
- every frame at `fps` (a watched live picture): every packet, from the next keyframe on;
- with a MotionTest (plate reading): while the test finds the scene still, keyframes only (on a small
  decoder of their own), each compared with the one before (`differs`); every packet is kept in the
  GopBuffer meanwhile. When a keyframe differs, the car came in during the GOP before it: the main
  decoder decodes what it has not decoded of that GOP (its state is kept while the road is still, so
  a car soon after another costs no frame twice) and the keyframe, and their frames are looked at (in
  stream order, at the subscription's rate); then every frame is decoded until the test has found
  nothing moving for `hold` stream seconds. A P-frame much larger than usual (recorder/coded_size.py)
  wakes it too, decoding the current GOP from its keyframe. Only frames the test found moving are
  delivered, each with its `motion` score.
Frames are decoded once for all subscribers. While the consumers that want more than keyframes sample
at most half the stream's frame rate, frames no other frame refers to (B-frames, the upper layer of a
camera's "SVC" mode) are not decoded at all (`skip_frame = NONREF`); many cameras send none.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import replace

import av

from recorder.coded_size import CodedSizeWatch
from recorder.frames import Frame, FrameSubscription, Tap
from recorder.gop_buffer import Buffered, GopBuffer

log = logging.getLogger(__name__)

RECENT = 16  # packets remembered to time the pictures a decoder hands back (B-frames come late)
# Keyframes further apart than this: a car that passes between two of them is seen only if its frames
# grow the stream (VBR), so the installer is told once per connection.
LONG_GOP_SECONDS = 4.0


class TapDecoder:
    def __init__(self, tap: Tap, codec: str, extradata: bytes | None):
        self.tap = tap
        self.codec = (codec, extradata)
        self.gop = GopBuffer()
        self.sizes = CodedSizeWatch()
        self.decoder: av.CodecContext | None = None
        self.position: Buffered | None = None  # the last packet the main decoder decoded
        self.recent: collections.OrderedDict[int, Buffered] = collections.OrderedDict()
        self.packets = 0  # handed to this decoder (all of them while a motion test subscribes)
        self.decoded = 0  # packets decoded, replays included
        self.replays = 0  # GOPs decoded late because a keyframe showed motion
        self.signal_wakes = 0
        self._signal_pending = False  # a size-signal wake waits for the motion test's verdict
        self._long_gop_told = False

    # ---- per packet ----

    def handle(self, item: Buffered, subs: tuple[FrameSubscription, ...]) -> None:
        self.packets += 1
        self.recent[item.seq] = item
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)
        key, t = item.packet.is_keyframe, item.stream_time
        watchers = [s for s in subs if s.motion is not None]
        if watchers:
            self.gop.add(item)
            self._size_signal(item, watchers)
            if key and self.gop.gop_seconds > LONG_GOP_SECONDS and not self._long_gop_told:
                self._long_gop_told = True
                log.warning(
                    "%s: keyframes come every %.0f s; plate reading may miss a car that passes between two "
                    "of them: set the camera's I-frame interval to 2 s or less", self.tap.camera,
                    self.gop.gop_seconds,
                )
        elif self.gop.current:
            self.gop.clear()
        awake = [s for s in watchers if s.awake_until >= t]
        if self._signal_pending and watchers and not awake:
            self.sizes.outcome(False, t)  # woke for nothing: the scene stayed still
            self._signal_pending = False
        every = [s for s in subs if not s.keyframes_only and s.motion is None] + awake
        if every:
            self._set_skipping(max(s.fps for s in every))
            if self._catch_up(item, subs):
                self._decode(item, subs)
                if key and self.gop.previous:
                    self.gop.forget_previous()
        elif key and (watchers or any(s.keyframes_only and s._due(item.wall) for s in subs)):
            self._decode_still(item, subs)

    def _size_signal(self, item: Buffered, watchers: list[FrameSubscription]) -> None:
        t = item.stream_time
        if not self.sizes.observe(item.packet.size, item.packet.is_keyframe, t):
            return
        asleep = [s for s in watchers if s.awake_until < t]
        for sub in asleep:
            sub.awake_until = t + sub.hold
        if asleep:
            self.signal_wakes += 1
            self._signal_pending = True

    def _catch_up(self, item: Buffered, subs: tuple[FrameSubscription, ...]) -> bool:
        """Bring the main decoder to the packet before `item` from the buffer; False if it cannot be
        (no keyframe since it lost its place: wait for the next one)."""
        if item.packet.is_keyframe or (self.position is not None and self.position.seq == item.seq - 1):
            return True
        current = self.gop.current
        if not current or current[-1] is not item:
            return False
        start = 0
        if self.position is not None and current[0].seq <= self.position.seq < item.seq:
            start = self.position.seq - current[0].seq + 1
        for earlier in current[start:-1]:
            self._decode(earlier, subs, catching_up=True)
        return self.position is not None and self.position.seq == item.seq - 1

    def _set_skipping(self, fastest: float) -> None:
        if self.decoder is not None:
            skip = "NONREF" if fastest <= self.gop.frames_per_second() / 2 else "DEFAULT"
            if self.decoder.skip_frame != skip:
                self.decoder.skip_frame = skip

    # ---- decoding and delivery ----

    def _decode(self, item: Buffered, subs: tuple[FrameSubscription, ...], catching_up: bool = False) -> None:
        if self.decoder is None:
            self.decoder = new_decoder(*self.codec)
        self.decoded += 1
        try:
            pictures = self.decoder.decode(item.packet)
        except av.error.FFmpegError as exc:
            log.debug("%s: frame tap could not decode a packet: %s", self.tap.camera, exc)
            self.position = None
            return
        self.position = item
        for picture in pictures:
            source = self.recent.get(picture.pts, item) if picture.pts is not None else item
            self._deliver(source, picture, subs, catching_up)

    def _decode_still(self, item: Buffered, subs: tuple[FrameSubscription, ...]) -> None:
        """A keyframe while nobody needs every frame, on a decoder of its own that goes right after
        (~3 MB a camera kept otherwise; 0.3 ms more a keyframe): the main one keeps its place, or, once
        that is older than the GOP before this keyframe and so of no use, its memory (~5 MB) goes too."""
        previous = self.gop.previous
        if self.position is not None and not (previous and self.position.seq >= previous[0].seq):
            self.decoder, self.position = None, None
        self.decoded += 1
        try:
            pictures = new_decoder(*self.codec).decode(item.packet)
        except av.error.FFmpegError as exc:
            log.debug("%s: frame tap could not decode a keyframe: %s", self.tap.camera, exc)
            return
        for picture in pictures:
            self._deliver(item, picture, subs, catching_up=False, still=True)

    def _deliver(self, item: Buffered, picture: av.VideoFrame, subs: tuple[FrameSubscription, ...],
                 catching_up: bool, still: bool = False) -> None:
        frame: Frame | None = None
        t = item.stream_time
        for sub in subs:
            if sub.motion is not None:
                asleep_keyframe = sub.awake_until < t and item.packet.is_keyframe
                if t > sub.looked_until and (asleep_keyframe or t >= sub.next_sample):
                    frame = frame or self._frame(item, picture)
                    self._watch(sub, item, frame, subs if still else None)
            elif catching_up:
                continue  # old frames would look like a step back of the clock to a paced consumer
            elif (not sub.keyframes_only or item.packet.is_keyframe) and sub._due(item.wall):
                frame = frame or self._frame(item, picture)
                sub._offer(frame, item.wall)

    def _frame(self, item: Buffered, picture: av.VideoFrame) -> Frame:
        return Frame(self.tap.camera, item.wall, picture, item.seq, item.clock_shift)

    def _watch(self, sub: FrameSubscription, item: Buffered, frame: Frame,
               subs: tuple[FrameSubscription, ...] | None) -> None:
        """Look at a frame; `subs` is given for a keyframe decoded while everybody was content with
        keyframes, which wakes the main decoder when it differs."""
        t = item.stream_time
        assert sub.motion is not None
        if subs is not None and sub.awake_until < t:
            if sub.motion.differs(frame):
                sub.awake_until = t + sub.hold
                self._wake(item, subs)
            else:
                self._look(sub, item, frame)
        elif t >= sub.next_sample:
            self._look(sub, item, frame)

    def _look(self, sub: FrameSubscription, item: Buffered, frame: Frame) -> None:
        assert sub.motion is not None
        t = item.stream_time
        motion = sub.motion.look(frame)
        sub.looked_until = t
        sub.next_sample = t + 1 / sub.fps - 0.01
        if motion > 0:
            sub.awake_until = max(sub.awake_until, t + sub.hold)
            if self._signal_pending:
                self.sizes.outcome(True, t)
                self._signal_pending = False
            sub._put(replace(frame, motion=motion))

    def _wake(self, keyframe: Buffered, subs: tuple[FrameSubscription, ...]) -> None:
        """A keyframe showed motion: decode, on the main decoder, what it has not decoded of the GOP
        before it, and the keyframe, looking at their frames (those not looked at yet)."""
        items = self.gop.previous + [keyframe] if self.gop.current == [keyframe] else [keyframe]
        start = 0
        if self.position is not None and items[0].seq <= self.position.seq < keyframe.seq:
            start = self.position.seq - items[0].seq + 1
        self.replays += len(items) - start > 1
        for sub in subs:
            if sub.motion is not None:
                sub.next_sample = float("-inf")
        for earlier in items[start:]:
            self._decode(earlier, subs, catching_up=True)


def new_decoder(codec: str, extradata: bytes | None) -> av.CodecContext:
    """One decoding thread per camera, for full rate and keyframes alike, without the deblocking filter.

    A single thread decodes a 1080p camera at 25 frames/s in under a tenth of one core, so frame
    threading buys nothing here; it cost 15-20 % more CPU and ~3.5 MB more per camera (a second copy of
    the decoder's pictures), which at 24 cameras was the difference between fitting the memory budget
    and not (bench/soak.py), and it delays each frame by a few frames. Skipping the deblocking filter
    (`skip_loop_filter`) costs a third less CPU (1.32 against 1.97 CPU s for a 36-s 720p drive-by clip)
    for pictures the plate models read exactly as well (113 of 120 sampled frames read exactly either
    way, the same mean confidence); the recording itself is never decoded here."""
    decoder = av.CodecContext.create(codec, "r")
    if extradata:
        decoder.extradata = extradata
    decoder.thread_count = 1
    decoder.options = {"skip_loop_filter": "all"}
    return decoder
