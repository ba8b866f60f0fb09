"""The aiming aid: watch an `lpr` camera's live stream for a few minutes and say how well its plates read.

For each plate the detector finds, the aid measures its width, tilt and blur (plate_index.plate_quality)
and asks the OCR whether it reads it and how sure it is; detections are grouped into passes (one
plate crossing the picture, plate_index.passes), and each pass is described by its widest view. The
stream's own keyframe interval and frame rate are measured on its packets. The verdict
(plate_index.aim_verdict) names the fix, most important first.

It opens its own RTSP connection (the camera's `lpr_url`, else its main stream) with the recorder's
settings, decodes through a frame tap at `lpr.sample_fps` (frames the analysis cannot keep up with are
dropped, never queued), and loads its own models, so it runs from the CLI (`dozor aim`) or inside the
web UI without the daemon, and nothing it does can disturb recording. Plate text never leaves this
module: the CLI, the web page and the logs get figures only.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from edge.backoff import Backoff
from edge.config import CameraConfig, Config
from edge.redact import mask_url
from plate_index.aim_verdict import (
    NIGHT_BRIGHTNESS,
    Advice,
    PassFacts,
    StreamFacts,
    min_plate_width,
    verdict,
)
from plate_index.passes import Pass, PassTracker, PlateView
from plate_index.plate_quality import PlateQuality, measure_plate

log = logging.getLogger(__name__)

PICTURE_WIDTH = 1280  # the annotated picture is scaled down to this width at most
PICTURE_EVERY = 0.5  # seconds between annotated pictures when no plate is in view
RECONNECT_FIRST, RECONNECT_MOST = 2.0, 10.0  # seconds between attempts after the stream was lost


@dataclass(frozen=True)
class Measured:
    """A detection's figures, kept on its PlateView."""

    plate: PlateQuality
    night: bool
    frame_width: int  # the picture's, for the width its plates need


@dataclass
class AimState:
    """A snapshot of the session for the CLI and the web page (no plate text)."""

    camera: str
    status: str  # connecting, running, finished, failed
    reason: str  # why it failed (with the fix: recorder.probe.explain), or the stream's last trouble; English
    started: float  # epoch seconds
    ends: float
    frames: int
    stream: StreamFacts | None
    passes: list[PassFacts]
    in_view: list[PassFacts]
    advice: list[Advice]


class AimSession:
    """`run()` blocks until the minutes are over or `stop()`; `state()` and `picture()` any time."""

    def __init__(self, camera: CameraConfig, config: Config, minutes: float, *, alpr: Any = None,
                 on_pass: Callable[[PassFacts], None] | None = None):
        self.camera = camera
        self.config = config
        self.minutes = minutes
        self.url = camera.lpr_url or camera.url
        self._alpr = alpr
        self._on_pass = on_pass
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._tracker = PassTracker()
        self._passes: list[PassFacts] = []
        self._status, self._reason = "connecting", ""
        self._frames = 0
        self._watch: Any = None
        self._picture: bytes | None = None
        self._picture_at = 0.0
        self.started = time.time()  # until connected; then from the connection on
        self.ends = self.started + minutes * 60 + config.recorder.stall_seconds

    def stop(self) -> None:
        self._stop.set()

    @property
    def done(self) -> bool:
        return self._status in ("finished", "failed")

    def run(self) -> AimState:
        from plate_index.models import ModelMissing, build_alpr
        from plate_index.recognise import Recogniser
        from recorder.frame_tap import FrameTap

        try:
            alpr = self._alpr or build_alpr(self.config.lpr)
        except ModelMissing as exc:
            self._set_status("failed", str(exc))
            return self.state()
        recogniser = Recogniser(alpr, self.config.lpr.min_read_confidence)
        tap = FrameTap(self.camera.name)
        subscription = tap.subscribe(self.config.lpr.sample_fps, queue_size=1, name="aim")
        reader = threading.Thread(target=self._read, args=(tap,), name=f"aim-{self.camera.name}", daemon=True)
        reader.start()
        try:
            while not self._stop.is_set() and time.time() < self.ends:
                frame = subscription.get(timeout=1.0)
                if frame is None:
                    continue
                self._analyse(recogniser, frame.image, frame.wall_time)
        finally:
            subscription.close()
            self._stop.set()
            reader.join(timeout=self.config.recorder.stall_seconds + 2)
            with self._lock:
                ended = self._tracker.flush()
            self._finish(ended)
            if self._status != "failed":
                self._set_status("finished", self._reason)
        return self.state()

    def _read(self, tap: Any) -> None:
        """Feed the tap from the camera; reconnect after a loss until the session ends."""
        from recorder.probe import StreamWatch
        from recorder.reasons import OutageReason, Reason
        from recorder.rtsp_source import CameraUnreachable, RtspSource, StreamLost

        backoff = Backoff(RECONNECT_FIRST, RECONNECT_MOST)
        while not self._stop.is_set():
            try:
                with RtspSource(self.url, stall_seconds=self.config.recorder.stall_seconds) as source:
                    info = source.open()
                    watch = StreamWatch(info)
                    with self._lock:
                        if self._watch is None:  # the minutes count from the first picture on
                            self.started = time.time()
                            self.ends = self.started + self.minutes * 60
                        self._watch = watch
                    self._set_status("running", "")
                    backoff.reset()
                    for packet in source.packets(audio=False):
                        if self._stop.is_set():
                            return
                        if watch.add(packet):
                            tap.feed(packet)
                reason = Reason(OutageReason.CONNECTION_CLOSED)
            except (CameraUnreachable, StreamLost) as exc:
                reason = exc.reason
            if self._watch is None:  # never connected: nothing to aim at
                from recorder.probe import explain

                self._set_status("failed", explain(self.url, reason))
                self._stop.set()
                return
            log.warning("aiming %s: stream %s lost (%s); reconnecting", self.camera.name,
                        mask_url(self.url), reason)
            self._set_status("running", reason.english())
            self._stop.wait(backoff.next())

    def _analyse(self, recogniser: Any, image: np.ndarray, moment: float) -> None:
        plates = recogniser.analyse_frame(image, self.camera.name, moment)
        night = _is_night(image)
        views = []
        for plate in plates:
            x1, y1, x2, y2 = plate.box
            quality = measure_plate(image[y1:y2, x1:x2])
            views.append(PlateView(moment, plate.box, plate.read is not None, plate.ocr_confidence,
                                   Measured(quality, night, image.shape[1])))
        with self._lock:
            ended = self._tracker.add(self.camera.name, moment, views)
            self._frames += 1
        self._finish(ended)
        if views or time.monotonic() - self._picture_at >= PICTURE_EVERY:
            picture = annotated(image, views)
            with self._lock:
                self._picture, self._picture_at = picture, time.monotonic()

    def _finish(self, ended: list[Pass]) -> None:
        facts = [pass_facts(p) for p in ended]
        with self._lock:
            self._passes += facts
        for fact in facts:
            if self._on_pass is not None:
                self._on_pass(fact)

    def _set_status(self, status: str, reason: str) -> None:
        with self._lock:
            if self._status != "failed":
                self._status, self._reason = status, reason

    def picture(self) -> bytes | None:
        """The latest analysed frame as JPEG, plate boxes drawn with their figures (shows plates)."""
        with self._lock:
            return self._picture

    def state(self) -> AimState:
        with self._lock:
            watch, passes = self._watch, list(self._passes)
            status, reason, frames = self._status, self._reason, self._frames
            in_view = [pass_facts(p) for p in self._tracker.open_passes(self.camera.name)]
        stream = None
        if watch is not None:
            result = watch.result(mask_url(self.url))
            stream = StreamFacts(result.width, result.height, result.fps, result.gop_seconds)
        minutes = (min(time.time(), self.ends) - self.started) / 60
        advice = verdict(passes, stream, minutes) if stream is not None else []
        return AimState(self.camera.name, status, reason, self.started, self.ends, frames, stream, passes,
                        in_view, advice)


def pass_facts(done: Pass) -> PassFacts:
    """A pass described by its widest view (its quality figures) and whether any view was read."""
    view = done.widest
    measured: Measured = view.quality
    tilts = [v.quality.plate.tilt for v in done.views]
    return PassFacts(
        width=view.width, tilt=statistics.median(tilts), blur=measured.plate.blur,
        blur_share=measured.plate.blur_share, motion_blur=measured.plate.motion_blur, night=measured.night,
        read=done.read, confidence=done.confidence, views=len(done.views),
        views_read=sum(1 for v in done.views if v.read), need=min_plate_width(measured.frame_width),
    )


def _is_night(image: np.ndarray) -> bool:
    """A dark frame, or a grey one (a camera in infrared mode shows no colour)."""
    import cv2

    small = cv2.resize(image, (64, 36), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    return float(hsv[..., 2].mean()) < NIGHT_BRIGHTNESS or float(hsv[..., 1].mean()) < 6


def annotated(image: np.ndarray, views: list[PlateView]) -> bytes:
    """The frame with each plate's box (green: read, orange: not read) and its figures, as JPEG."""
    import cv2

    picture = image.copy()
    for view in views:
        measured: Measured = view.quality
        x1, y1, x2, y2 = view.box
        colour = (60, 200, 60) if view.read else (0, 140, 255)
        cv2.rectangle(picture, (x1, y1), (x2, y2), colour, 2)
        label = (f"{view.width} px  {measured.plate.tilt:+.0f} deg  blur {measured.plate.blur:.0f} px  "
                 f"{'read' if view.read else 'not read'} {view.confidence:.2f}")
        cv2.putText(picture, label, (x1, max(14, y1 - 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
        cv2.putText(picture, label, (x1, max(14, y1 - 8)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1)
    if picture.shape[1] > PICTURE_WIDTH:
        scale = PICTURE_WIDTH / picture.shape[1]
        picture = cv2.resize(picture, (PICTURE_WIDTH, round(picture.shape[0] * scale)),
                             interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return data.tobytes() if ok else b""
