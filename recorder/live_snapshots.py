"""Latest picture of each camera for the volunteers' live grid: `DataLayout.live_dir/<camera>.jpg`.

A frame-tap consumer per camera at `recorder.live_fps`. It asks for keyframes only, so the grid costs
almost no CPU: it refreshes at live_fps or at the camera's keyframe rate, whichever is lower (every
1-2 s on most cameras), unless plate reading already decodes every frame of that camera. Files are
replaced atomically (temporary file + os.replace), so the web UI never serves half a JPEG.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import cv2

from edge.layout import DataLayout, checked_camera_name
from recorder.frame_tap import FrameSubscription, FrameTap

log = logging.getLogger(__name__)

JPEG_QUALITY = 80


def live_picture(layout: DataLayout, camera: str) -> Path:
    """Where the live picture of `camera` is (the web UI reads it from here)."""
    return layout.live_dir / f"{checked_camera_name(camera)}.jpg"


class LiveSnapshots:
    def __init__(self, layout: DataLayout, taps: dict[str, FrameTap], fps: float):
        self.layout = layout
        self.taps = taps
        self.fps = fps
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._subs: list[FrameSubscription] = []

    def start(self) -> None:
        if self.fps <= 0:
            return
        self.layout.live_dir.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        for camera, tap in self.taps.items():
            sub = tap.subscribe(self.fps, queue_size=1, name="live", keyframes_only=True)
            self._subs.append(sub)
            thread = threading.Thread(target=self._run, args=(sub,), name=f"live-{camera}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for sub in self._subs:
            sub.close()
        for thread in self._threads:
            thread.join(5)
        self._subs, self._threads = [], []

    def _run(self, sub: FrameSubscription) -> None:
        target = live_picture(self.layout, sub.camera)
        tmp = target.with_name(f".{target.name}.tmp")
        while not self._stop.is_set():
            frame = sub.get(timeout=1.0)
            if frame is None:
                continue
            ok, jpeg = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if not ok:
                continue
            try:
                tmp.write_bytes(jpeg.tobytes())
                os.replace(tmp, target)
            except OSError as exc:  # a full disk: the grid shows an older picture, recording goes on
                log.debug("%s: cannot write the live picture: %s", sub.camera, exc)
