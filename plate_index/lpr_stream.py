"""A camera's second stream for plate reading only (`lpr_url`, e.g. a sub-stream at lower resolution).

Most cameras give plate reading their main stream through the recorder's frame tap (no second
connection). When `lpr_url` is set, this thread keeps its own RTSP connection (recorder.rtsp_source)
and feeds a frame tap of its own; it reconnects with the recorder's backoff. Its failures are logged
(password masked) and never touch the recording of the main stream.
"""

from __future__ import annotations

import logging
import threading

from edge.backoff import Backoff
from edge.config import CameraConfig, RecorderConfig
from edge.redact import mask_url
from recorder.frame_tap import DECODE_NICE, FrameTap
from recorder.rtsp_source import CameraUnreachable, RtspSource, StreamLost

log = logging.getLogger(__name__)


class LprStream:
    def __init__(self, camera: CameraConfig, recorder: RecorderConfig):
        self.camera = camera
        self.settings = recorder
        self.tap = FrameTap(camera.name, decode_nice=DECODE_NICE)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lpr-stream-{camera.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.settings.stall_seconds)

    def _run(self) -> None:
        url = self.camera.lpr_url
        backoff = Backoff(self.settings.reconnect_min_seconds, self.settings.reconnect_max_seconds)
        while not self._stop.is_set():
            try:
                with RtspSource(url, stall_seconds=self.settings.stall_seconds) as source:
                    source.open()
                    log.info("%s: plate-reading stream %s connected", self.camera.name, mask_url(url))
                    backoff.reset()
                    for packet in source.packets(audio=False):
                        if self._stop.is_set():
                            return
                        self.tap.feed(packet)
                reason = "the camera closed the stream"
            except (CameraUnreachable, StreamLost) as exc:
                reason = str(exc)
            wait = backoff.next()
            log.warning(
                "%s: plate-reading stream lost (%s); retrying in %.0f s", self.camera.name, reason, wait
            )
            self._stop.wait(wait)
