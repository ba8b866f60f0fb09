"""The Recorder: every enabled camera of one config, as one service the supervisor starts and stops.

Start-up order matters: recover what the last run left (so every file plays and the catalog is true)
before any camera writes. Then one CameraRecorder thread per camera, the live pictures, the live grid's
sub-streams of cameras with a `live_url` (recorder.live_relay, only while watched), and a frame
tap per camera that other services subscribe to: `Recorder.tap(name)` (or `.taps`) is how plate
reading gets frames. `watch()` restarts a camera thread that died (it should never happen: the thread
catches everything), `stop()` closes every segment and marks it complete.
"""

from __future__ import annotations

import logging
import time

from edge.backoff import Backoff
from edge.clock import Clock, SystemClock, from_epoch, to_epoch
from edge.config import Config
from edge.layout import DataLayout
from recorder.camera_recorder import CameraRecorder
from recorder.catalog import Catalog
from recorder.frame_tap import DECODE_NICE, FrameTap
from recorder.live_relay import LiveRelay
from recorder.live_snapshots import LiveSnapshots
from recorder.reasons import OutageReason, Reason
from recorder.recovery import recover
from recorder.retention import Retention
from recorder.watch_markers import WatchMarkers

log = logging.getLogger(__name__)

STOP_SECONDS = 15.0
RELAY_STOP_SECONDS = 3.0  # the live sub-streams (daemon threads) get this long together, then are left
DOWNTIME_SECONDS = 10.0  # a gap longer than this since the last run is recorded as an outage


class Recorder:
    name = "recorder"

    def __init__(self, config: Config, *, clock: Clock | None = None, layout: DataLayout | None = None):
        self.config = config
        self.clock = clock or SystemClock()
        self.layout = layout or DataLayout(config.storage.path)
        self.catalog = Catalog(self.layout)
        self.retention = Retention(self.catalog, self.layout, config.storage, self.clock)
        cameras = [c for c in config.cameras if c.enabled]
        self.taps = {c.name: FrameTap(c.name, clock=self.clock, decode_nice=DECODE_NICE) for c in cameras}
        self.cameras = {
            c.name: CameraRecorder(
                c, config.recorder, catalog=self.catalog, layout=self.layout, retention=self.retention,
                tap=self.taps[c.name], clock=self.clock,
            )
            for c in cameras
        }
        self.watch_markers = WatchMarkers()
        self.live = LiveSnapshots(self.layout, self.taps, config.recorder.live_fps, self.watch_markers)
        rec = config.recorder
        self.relays = [
            LiveRelay(self.layout, c.name, c.live_url, stall_seconds=rec.stall_seconds,
                      backoff=Backoff(rec.reconnect_min_seconds, rec.reconnect_max_seconds),
                      markers=self.watch_markers)
            for c in cameras if c.live_url
        ]

    def tap(self, camera: str) -> FrameTap:
        """The frame tap of a recorded camera (KeyError if it is not recorded)."""
        return self.taps[camera]

    def start(self) -> None:
        report = recover(self.catalog, self.layout, self.clock)
        log.info("recovery: %s", report)
        self._note_downtime()
        self.catalog.forget_cameras_except(self.cameras)
        for camera in self.cameras.values():
            camera.start()
        self.live.start()
        self.layout.live_dir.mkdir(parents=True, exist_ok=True)
        for relay in self.relays:
            relay.start()
        self.watch_markers.start()
        log.info("recording %d camera(s) into %s", len(self.cameras), self.layout.segments_dir)

    def watch(self) -> None:
        for camera in self.cameras.values():
            if not camera.is_alive():
                log.error("%s: the recording thread ended; restarting it", camera.name)
                camera.start()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        for relay in self.relays:
            relay.stop()
        self.live.stop()
        self.watch_markers.stop()  # after the stop flags: the events it sets for good then wake them all
        deadline = time.monotonic() + RELAY_STOP_SECONDS  # all together: a camera's open may hang
        for relay in self.relays:
            relay.join(max(0.0, deadline - time.monotonic()))
        self.live.join()
        for camera in self.cameras.values():
            camera.stop()
        for camera in self.cameras.values():
            camera.join(timeout)
            if camera.is_alive():
                log.error("%s: did not stop within %.0f s", camera.name, timeout)
        self.catalog.close()

    def _note_downtime(self) -> None:
        """Cameras that have no video and no outage since the last run stopped get an outage for the gap
        (kill -9, power cut), so the UI's timeline can say why the video is missing."""
        now = self.clock.now()
        conn = self.catalog.read()
        for name in self.cameras:
            row = conn.execute(
                "SELECT MAX(t) FROM (SELECT MAX(end_ts) AS t FROM segments WHERE camera = ?"
                " UNION ALL SELECT MAX(end_ts) FROM outages WHERE camera = ?)", (name, name),
            ).fetchone()
            last = row[0]
            if last is not None and to_epoch(now) - last > DOWNTIME_SECONDS:
                outage = self.catalog.open_outage(
                    name, from_epoch(last), Reason(OutageReason.RECORDER_NOT_RUNNING)
                )
                self.catalog.close_outage(outage, now)
