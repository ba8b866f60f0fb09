"""A camera's sub-stream (`live_url`) for the live grid, forwarded into short fragmented-MP4 files while
someone watches it: `DataLayout.live_dir/<camera>.sub/<n>.mp4`.

The web UI tails these files the way it tails the segment being recorded for the full-frame view
(webui.live_stream), so every viewer of a camera shares one connection to it, nothing is decoded or
encoded (packets are copied as they come, by recorder.segment_writer), and the web UI never talks to a
camera. It runs only while watched: the web UI touches `<camera>.sub.watched` every few seconds while a
grid plays the camera (recorder.watch_markers notices within a second; until then the relay's thread
blocks); WATCHED_SECONDS after the last touch the connection closes. A new file starts at
the first keyframe after FILE_SECONDS and only the newest KEEP_FILES stay (a few seconds of video, on the
data disk only while watched).

Each relay is a thread of its own that catches everything: a sub-stream that fails, stalls or cannot be
muxed costs its tile the video (the grid falls back to pictures), never the recording.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

from edge.backoff import Backoff
from edge.layout import DataLayout, checked_camera_name
from edge.redact import mask_text, mask_url
from recorder.rtsp_source import RtspSource
from recorder.segment_writer import SegmentWriter
from recorder.watch_markers import WatchMarkers, touch

log = logging.getLogger(__name__)

WATCHED_SECONDS = 10.0  # the web UI touches the marker every 2 s while a grid plays the camera
FILE_SECONDS = 10.0
KEEP_FILES = 3


def relay_dir(layout: DataLayout, camera: str) -> Path:
    """The folder of `camera`'s sub-stream files."""
    return layout.live_dir / f"{checked_camera_name(camera)}.sub"


def newest_relay_file(layout: DataLayout, camera: str) -> Path | None:
    """The file the relay is writing now (names sort in writing order), None if there is none."""
    try:
        files = sorted(relay_dir(layout, camera).glob("*.mp4"))
    except OSError:
        return None
    return files[-1] if files else None


def relay_marker(layout: DataLayout, camera: str) -> Path:
    """The file the web UI touches while a grid plays `camera`'s sub-stream."""
    return layout.live_dir / f"{checked_camera_name(camera)}.sub.watched"


def mark_relay_watched(layout: DataLayout, camera: str) -> None:
    """Called by the web UI while a grid plays `camera`: keep (or start) its sub-stream."""
    touch(relay_marker(layout, camera))


class LiveRelay:
    """One camera's sub-stream relay thread: `start()`, `stop()`."""

    def __init__(self, layout: DataLayout, camera: str, url: str, *, stall_seconds: float,
                 backoff: Backoff, markers: WatchMarkers):
        self.layout = layout
        self.camera = camera
        self.url = url
        self.stall_seconds = stall_seconds
        self.backoff = backoff
        self.folder = relay_dir(layout, camera)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._serial = 0
        self._watched = markers.event(relay_marker(layout, camera), WATCHED_SECONDS)

    def start(self) -> None:
        self._stop.clear()
        shutil.rmtree(self.folder, ignore_errors=True)  # an earlier run's files are not live
        self._thread = threading.Thread(target=self._run, name=f"relay-{self.camera}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end (it does within a packet, or when a connection attempt gives up)."""
        self._stop.set()
        self._watched.set()  # wakes the thread if it waits for a grid; it then sees the stop

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: the live sub-stream did not stop within %.0f s", self.camera, timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._watched.is_set():
                self._watched.wait()
                continue
            try:
                self._relay()
                self.backoff.reset()
            except Exception as exc:  # noqa: BLE001 - whatever breaks, the recording goes on
                wait = self.backoff.next()
                log.warning("%s: live sub-stream failed (%s); retrying in %.0f s", self.camera,
                            mask_text(str(exc)) or type(exc).__name__, wait)
                self._stop.wait(wait)

    def _relay(self) -> None:
        """Copy the sub-stream into files until nobody watches, the stream ends, or stop()."""
        with RtspSource(self.url, stall_seconds=self.stall_seconds) as source:
            info = source.open()
            log.info("%s: live sub-stream on (%s %dx%d, %s)", self.camera, info.codec, info.width,
                     info.height, mask_url(self.url))
            writer: SegmentWriter | None = None
            started = 0.0
            last_check = time.monotonic()
            try:
                for packet in source.packets(audio=False):
                    if self._stop.is_set():
                        return
                    now = time.monotonic()
                    if now - last_check >= 1.0:
                        last_check = now
                        if not self._watched.is_set():
                            log.info("%s: live sub-stream off (nobody watches)", self.camera)
                            return
                    if packet.stream_index != info.video.index:
                        continue
                    if packet.is_keyframe and (writer is None or now - started >= FILE_SECONDS):
                        if writer is not None:
                            writer.close()
                        writer, started = self._new_file(source), now
                    if writer is not None:  # before the first keyframe there is nothing to play
                        writer.write_video(packet)
            finally:
                if writer is not None:
                    writer.close()

    def _new_file(self, source: RtspSource) -> SegmentWriter:
        assert source.info is not None
        self._serial += 1
        path = self.folder / f"{time.time_ns():020d}-{self._serial:06d}.mp4"
        writer = SegmentWriter(path, source.info.video, picture=source.info.picture,
                               max_gap_seconds=self.stall_seconds)
        for old in sorted(self.folder.glob("*.mp4"))[:-KEEP_FILES]:
            old.unlink(missing_ok=True)
        return writer
