"""Latest picture of each camera for the volunteers' live grid: `DataLayout.live_dir/<camera>.jpg`.

A frame-tap consumer per camera. Nobody watching: the camera gets one picture when the daemon starts
(from its first keyframe) and none after that, and no subscription either: its thread blocks until
someone watches, so an unwatched camera's picture costs nothing at all (even one keyframe a minute into
a JPEG was an eighth of what recording 8 cameras costs: bench/record_cpu.py). Someone watching (the web
UI touches `<camera>.watched` whenever a picture of the camera is asked for, even one not written yet;
recorder.watch_markers notices within a second): every frame is decoded and the picture refreshes at
`recorder.live_fps` from the next keyframe on, so a volunteer's grid really moves once a second; the
tile shows each picture's age, so an old one is never taken for live. Files are replaced atomically
(temporary file + os.replace), so the web UI never serves half a JPEG.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import av

from edge.layout import DataLayout, checked_camera_name
from recorder.frame_tap import FrameSubscription, FrameTap
from recorder.frames import Frame, video_frame
from recorder.watch_markers import WatchMarkers, touch

log = logging.getLogger(__name__)

# FFmpeg's JPEG encoder at a fixed quantiser of 3: a 720p road picture of ~70 kB, about what libjpeg's
# quality 80 gives. FFmpeg, not OpenCV: the daemon does not load OpenCV (recorder.frames.video_frame).
JPEG_QSCALE = 3
WATCHED_SECONDS = 15.0  # a grid refreshing once a second keeps its cameras at full rate


def live_picture(layout: DataLayout, camera: str) -> Path:
    """Where the live picture of `camera` is (the web UI reads it from here)."""
    return layout.live_dir / f"{checked_camera_name(camera)}.jpg"


def mark_watched(layout: DataLayout, camera: str) -> None:
    """Called by the web UI whenever a live picture is asked for (even one not written yet): keep this
    camera's pictures coming at live_fps."""
    touch(watch_marker(layout, camera))


def watch_marker(layout: DataLayout, camera: str) -> Path:
    """The file the web UI touches while it shows `camera`'s live picture."""
    return layout.live_dir / f"{checked_camera_name(camera)}.watched"


class LiveSnapshots:
    def __init__(self, layout: DataLayout, taps: dict[str, FrameTap], fps: float, markers: WatchMarkers):
        self.layout = layout
        self.taps = taps
        self.fps = fps
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watched = {camera: markers.event(watch_marker(layout, camera), WATCHED_SECONDS)
                         for camera in taps} if fps > 0 else {}

    def start(self) -> None:
        if self.fps <= 0:
            return
        self.layout.live_dir.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        for camera, tap in self.taps.items():
            thread = threading.Thread(target=self._run, args=(tap, self._watched[camera]),
                                      name=f"live-{camera}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Ask the threads to end; `join` waits for them."""
        self._stop.set()
        for watched in self._watched.values():
            watched.set()  # wakes a thread waiting for someone to watch; it then sees the stop

    def join(self, timeout: float = 5.0) -> None:
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def _subscribe(self, tap: FrameTap, full_rate: bool) -> FrameSubscription:
        if full_rate:
            return tap.subscribe(self.fps, queue_size=1, name="live")
        return tap.subscribe(self.fps, queue_size=1, name="live", keyframes_only=True)  # the first one

    def _run(self, tap: FrameTap, watched: threading.Event) -> None:
        """The first picture, then pictures only while someone watches."""
        target = live_picture(self.layout, tap.camera)
        tmp = target.with_name(f".{target.name}.tmp")
        full_rate = False
        sub: FrameSubscription | None = self._subscribe(tap, full_rate)
        try:
            while not self._stop.is_set():
                if watched.is_set() != full_rate:
                    full_rate = not full_rate
                    if sub is not None:
                        sub.close()
                    sub = self._subscribe(tap, full_rate) if full_rate else None
                if sub is None:
                    watched.wait()  # nothing to do until someone watches (or stop() wakes it)
                elif self._write(sub, target, tmp) and not full_rate:
                    sub.close()  # the start-up picture is there; the next when someone watches
                    sub = None
        finally:
            if sub is not None:
                sub.close()

    def _write(self, sub: FrameSubscription, target: Path, tmp: Path) -> bool:
        """Wait up to a second for a frame and make it the camera's live picture; whether it did."""
        frame = sub.get(timeout=1.0)
        if frame is None:
            return False
        try:
            jpeg = encode_jpeg(frame)
        except av.error.FFmpegError as exc:
            log.debug("%s: cannot encode the live picture: %s", sub.camera, exc)
            return False
        try:
            tmp.write_bytes(jpeg)
            os.replace(tmp, target)
        except OSError as exc:  # a full disk: the grid shows an older picture, recording goes on
            log.debug("%s: cannot write the live picture: %s", sub.camera, exc)
            return False
        return True


# One live picture is encoded at a time, whichever camera it is of: the start-up pictures of all the
# cameras come due together, and each encoding holds ~5 MB for
# its few milliseconds (24 at once: ~115 MB; a village soak whose samples stayed near 400 MB peaked at
# 543 MB RSS once).
_ENCODING = threading.Lock()


def encode_jpeg(frame: Frame) -> bytes:
    """The frame as a JPEG, straight from its 4:2:0 picture (no BGR on the way: ~4 ms at 720p). One
    encoder thread: FFmpeg's default, a thread per core with its own buffers, took 16.5 MB per picture
    against 4.8."""
    with _ENCODING:
        picture = video_frame(frame.picture).reformat(format="yuvj420p")  # JPEG's full range
        encoder = av.CodecContext.create("mjpeg", "w")
        encoder.width, encoder.height, encoder.pix_fmt = picture.width, picture.height, "yuvj420p"
        encoder.thread_count = 1
        encoder.options = {"qmin": str(JPEG_QSCALE), "qmax": str(JPEG_QSCALE)}
        packets = encoder.encode(picture) + encoder.encode(None)
        return b"".join(bytes(packet) for packet in packets)
