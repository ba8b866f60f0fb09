"""One camera's recording thread: connect, copy packets into segments, reconnect, record outages.

The loop never ends on its own: a camera that refuses, drops, stalls or sends garbage becomes an
outage (camera, start, end, reason) in the catalog and is retried with backoff (1 s doubling to 10 s,
cut short by the reachability probe when the camera comes back). Segments are cut at the first
keyframe after `segment_seconds`. Wall-clock times come from `WallClockAnchor`. A write error (full
disk) frees space through retention, abandons the broken segment and starts a new one at the next
keyframe, logging one error per episode instead of one per packet.

A step of the wall clock (NTP correcting a Pi that booted without its real-time clock, or with a wrong
one) moves everything this run has recorded onto the new time: the monotonic clock ties the run's video
together, and the newest wall clock is the best there is. So a step back never puts new video on top
of video already recorded (two recordings for one moment, neither of them findable), and a step forward
also corrects the minutes recorded before the first NTP sync. Frames handed to plate reading carry the
run's total shift (`FrameTap.clock_shift`), so sightings follow the same way (plate_index/worker.py).
Video recorded by an earlier run keeps its times: which clock was right then cannot be known.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading

from edge.backoff import Backoff
from edge.clock import Clock, from_epoch
from edge.clock_steps import ClockStepWatch
from edge.config import CameraConfig, RecorderConfig
from edge.layout import DataLayout
from edge.redact import mask_url
from recorder import reachability
from recorder.active_segment import ActiveSegment
from recorder.camera_status import StatusTracker
from recorder.catalog import Catalog
from recorder.frame_tap import FrameTap
from recorder.reasons import OutageReason, Reason
from recorder.retention import Retention
from recorder.rtsp_source import CameraUnreachable, RtspSource, StreamInfo, StreamLost
from recorder.segment_writer import KEPT_AUDIO, TimestampJump
from recorder.wallclock import WallClockAnchor

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0  # status, segment row refresh and fsync
RECORDABLE_CODECS = ("h264", "hevc")


class CameraRecorder:
    def __init__(
        self, camera: CameraConfig, settings: RecorderConfig, *, catalog: Catalog, layout: DataLayout,
        retention: Retention, tap: FrameTap, clock: Clock,
    ):
        self.camera = camera
        self.name = camera.name
        self.settings = settings
        self.catalog = catalog
        self.layout = layout
        self.retention = retention
        self.tap = tap
        self.clock = clock
        self.status = StatusTracker(camera.name, catalog, clock, lambda: tap.dropped)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._outage: int | None = None  # id of the open outage row
        self._disk_trouble = False  # inside an episode of write errors (logged once)
        self._audio_note_logged = False
        self._segment: ActiveSegment | None = None
        self._clock_steps = ClockStepWatch(clock)
        self._run_rows = catalog.last_ids()  # catalog rows above these are this run's
        self.clock_shift = 0.0  # the wall-clock steps this run's times followed, in seconds

    # ---- lifecycle (the supervisor's side) ----

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"rec-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish its segment and end; `join` waits for it."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- the connection loop ----

    def _run(self) -> None:
        backoff = Backoff(self.settings.reconnect_min_seconds, self.settings.reconnect_max_seconds)
        while not self._stop.is_set():
            self.follow_clock_steps()
            recorded = False
            try:
                recorded, reason = self._connect_and_record()
            except Exception as exc:  # noqa: BLE001 - a bug must cost one reconnect, never the camera
                log.exception("%s: unexpected error while recording", self.name)
                reason = Reason(OutageReason.INTERNAL_ERROR, type(exc).__name__)
            if self._stop.is_set():
                break
            if recorded:
                backoff.reset()
            self._went_offline(reason)
            self._wait(backoff.next())
        self._went_offline(Reason(OutageReason.RECORDER_STOPPED))

    def _wait(self, delay: float) -> None:
        """Sleep `delay`, but reconnect at once when the probe sees the stream come back."""
        deadline = self.clock.monotonic() + delay
        was_present = reachability.stream_present(self.camera.url) if delay > 1.5 else None
        while not self._stop.is_set() and (left := deadline - self.clock.monotonic()) > 0:
            self._stop.wait(min(1.0, left))
            self.follow_clock_steps()
            self.status.tick_if_due(TICK_SECONDS)
            if was_present is not None and self.clock.monotonic() < deadline:
                present = reachability.stream_present(self.camera.url)
                if present and not was_present:
                    log.info("%s: the stream is back, reconnecting now", self.name)
                    return
                was_present = present

    def follow_clock_steps(self) -> float:
        """Notice a step of the wall clock and move this run's catalog rows and status with it; returns
        the step (0.0 when there was none). The packet loop moves its own anchor."""
        step = self._clock_steps.look()
        if not step:
            return 0.0
        self.clock_shift += step
        self.tap.clock_shift = self.clock_shift
        self.status.shift(step)
        moved = self._catalog_write(self.catalog.shift_times, self.name, self._run_rows, step) or (0, 0)
        log.warning(
            "%s: the wall clock stepped %s by %.1f s; this run's %d segments and %d outages now follow the "
            "new time", self.name, "forward" if step > 0 else "back", abs(step), *moved,
        )
        return step

    def _went_offline(self, reason: Reason) -> None:
        now = self.clock.now()
        if self._outage is None:
            at = from_epoch(self.status.last_packet) if self.status.last_packet else now
            if reason.code == OutageReason.RECORDER_STOPPED:
                log.info("%s: recording stopped", self.name)
            elif self.status.state == "online":
                log.warning("%s: recording interrupted: %s", self.name, reason)
            else:
                log.warning("%s: cannot record: %s", self.name, reason)
            self._outage = self._catalog_write(self.catalog.open_outage, self.name, min(at, now), reason)
        self.status.offline(now, reason)

    def _back_online(self, at_wall: float) -> None:
        if self._outage is not None:
            self._catalog_write(self.catalog.close_outage, self._outage, from_epoch(at_wall))
            self._outage = None
        if self.status.state != "online":
            log.info("%s: recording (%s)", self.name, mask_url(self.camera.url))
        self.status.online(from_epoch(at_wall))

    def _connect_and_record(self) -> tuple[bool, Reason]:
        """One connection; returns (whether anything was recorded, why it ended)."""
        with RtspSource(self.camera.url, stall_seconds=self.settings.stall_seconds) as source:
            try:
                info = source.open()
            except CameraUnreachable as exc:
                return False, exc.reason
            if info.codec not in RECORDABLE_CODECS:
                return False, Reason(OutageReason.CODEC, info.codec)
            if not (info.width and info.height):  # a safety net: open() learns it from the first keyframe
                return False, Reason(OutageReason.NO_PICTURE_SIZE)
            keep_audio = info.audio is not None and info.audio.codec_context.name == KEPT_AUDIO
            if info.audio is not None and not keep_audio and not self._audio_note_logged:
                log.info("%s: %s audio is not recorded (only AAC is kept)", self.name,
                         info.audio.codec_context.name)
                self._audio_note_logged = True
            return self._record(source, info, keep_audio)

    # ---- the packet loop (the hot path) ----

    def _record(self, source: RtspSource, info: StreamInfo, keep_audio: bool) -> tuple[bool, Reason]:
        """Copy packets until the stream ends; returns (whether anything was recorded, why it ended).

        Every microsecond here is paid 25 times a second per camera, so the loop keeps its state in
        locals, reads the clock once per packet (wall time = monotonic + an offset refreshed every tick,
        which still follows NTP steps), and does everything else once per tick (TICK_SECONDS)."""
        anchor = WallClockAnchor()
        tb = float(info.video.time_base)
        video_index = info.video.index
        frame_seconds = info.frame_seconds
        segment_seconds = self.settings.segment_seconds
        stall = self.settings.stall_seconds
        clock, tap, stop = self.clock, self.tap, self._stop
        mono = last_video = clock.monotonic()
        self.follow_clock_steps()
        to_wall = self._clock_steps.offset  # wall = monotonic + to_wall, on the clock the watch last saw
        next_tick = mono + TICK_SECONDS
        recorded = False
        first_pts = cut_at = wall = 0.0
        frames = size = 0
        write_video = write_audio = None  # the open segment's writer methods
        reason = Reason(OutageReason.CONNECTION_CLOSED)
        try:
            for packet in source.packets(audio=keep_audio):
                mono = clock.monotonic()
                size += packet.size
                if packet.stream_index != video_index:
                    if mono - last_video > stall:
                        reason = Reason(OutageReason.NO_VIDEO, f"{stall:g}")
                        break
                    if write_audio is not None:
                        try:
                            write_audio(packet)
                        except (TimestampJump, OSError) as exc:
                            self._segment_failed(exc)
                            write_video = write_audio = None
                    continue
                if stop.is_set():
                    reason = Reason(OutageReason.RECORDER_STOPPED)
                    break
                pts = packet.pts * tb
                wall = anchor.observe(pts, mono + to_wall)
                last_video = mono
                frames += 1
                if packet.is_keyframe and (write_video is None or pts >= cut_at or anchor.drifted):
                    if anchor.drifted:
                        log.warning("%s: stream time drifted from the wall clock; re-anchoring", self.name)
                        anchor = WallClockAnchor()
                        wall = anchor.observe(pts, mono + to_wall)
                    self._close_segment(anchor.wall(first_pts), wall)
                    self._open_segment(info, keep_audio, wall)
                    write_video = write_audio = None  # never a closed segment's writer
                    if self._segment is not None:
                        writer = self._segment.writer
                        write_video, write_audio = writer.write_video, writer.write_audio
                        first_pts, cut_at, recorded = pts, pts + segment_seconds, True
                if write_video is None:
                    continue  # waiting for a keyframe (after a write error)
                if tap.active:
                    tap.feed(packet, wall)
                try:
                    write_video(packet)
                except (TimestampJump, OSError) as exc:
                    self._segment_failed(exc)
                    write_video = write_audio = None
                    continue
                if mono >= next_tick:
                    next_tick = mono + TICK_SECONDS
                    if step := self.follow_clock_steps():
                        anchor.shift(step)
                        wall += step
                    to_wall = self._clock_steps.offset
                    self.status.count(frames, size, wall)
                    frames = size = 0
                    self._tick(anchor.wall(first_pts), wall + frame_seconds)
                    if self._segment is None:  # the tick's write failed and abandoned the segment
                        write_video = write_audio = None
        except StreamLost as exc:
            reason = exc.reason
        finally:
            self.status.count(frames, size, wall or None)
            if self._segment is not None:
                self._close_segment(anchor.wall(first_pts), wall + frame_seconds)
        return recorded, reason

    def _segment_failed(self, exc: Exception) -> None:
        if isinstance(exc, TimestampJump):
            log.warning("%s: %s; starting a new segment at the next keyframe", self.name, exc)
            self._abandon_segment()
        else:
            self._write_failed(exc)

    def _open_segment(self, info: StreamInfo, keep_audio: bool, wall: float) -> None:
        try:
            self._segment = ActiveSegment.begin(
                self.name, info, keep_audio, wall, catalog=self.catalog, layout=self.layout
            )
        except (OSError, sqlite3.Error) as exc:
            self._write_failed(exc)
            return
        self._back_online(wall)

    def _close_segment(self, start_wall: float, end_wall: float) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        try:
            segment.finish(from_epoch(start_wall), from_epoch(end_wall))
        except (OSError, sqlite3.Error) as exc:
            self._segment = segment
            self._write_failed(exc)
            return
        if self._disk_trouble:
            log.info("%s: segments are being written again", self.name)
            self._disk_trouble = False

    def _abandon_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is not None:
            segment.abandon()

    def _tick(self, start_wall: float, end_wall: float) -> None:
        self.status.tick()
        if self._segment is not None:
            try:
                self._segment.refresh(from_epoch(start_wall), from_epoch(end_wall))
            except (OSError, sqlite3.Error) as exc:
                self._write_failed(exc)

    def _write_failed(self, exc: Exception) -> None:
        """A full (or failing) disk: free space, keep what plays of the segment, go on at the next keyframe"""
        full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "full" in str(exc)
        if not self._disk_trouble:
            what = "the disk is full" if full else f"cannot write: {exc}"
            log.error("%s: %s; freeing space and recording on from the next keyframe", self.name, what)
            self._disk_trouble = True
        if full:
            self.retention.free_space_now()
        self._abandon_segment()

    def _catalog_write(self, write, *args):
        try:
            return write(*args)
        except sqlite3.Error as exc:
            log.warning("%s: cannot write to the catalog: %s", self.name, exc)
            return None
