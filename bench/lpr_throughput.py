"""Plate-reading throughput and the motion gate, measured on the same decoded frames in one run.

1. Frames/s of Dozor's pipeline (feeder -> shared-memory slot -> worker process -> fast-alpr -> grouping ->
   store) against a plain `fast_alpr.ALPR.predict` loop over the same frames, same ONNX threads. The
   bench tap hands the next frame as soon as the pipeline has room (3 in flight), so both runs see every
   frame once and the pipeline is never idle; the motion gate is off for this part.
2. The motion gate on a static scene with sensor noise: share of frames skipped (goal >= 80 %).
3. The gate on a drive-by clip: cars read on some frame without the gate but on no frame it lets
   through (goal 0).

    DOZOR_SHARED_DIR=../shared DOZOR_MODEL_DIR=../shared/models .venv/bin/python bench/lpr_throughput.py
Last line: `lpr ratio=X static_skipped=Y% driveby_missed=Z`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from plate_clips import ClipFrame, build_clip, decode, load_cars, readable, static_frames  # noqa: E402

from edge.config import LprConfig, MotionConfig, parse_config  # noqa: E402
from plate_index.models import build_alpr  # noqa: E402
from plate_index.motion import MotionGate  # noqa: E402
from plate_index.recognise import Recogniser  # noqa: E402
from plate_index.service import LprService  # noqa: E402

SAMPLE_EVERY = 5  # 25 fps clip -> 5 frames/s, lpr.sample_fps
IN_FLIGHT = 2  # plate_index.chooser.IN_FLIGHT: the worker always has the next frame, none waits to be chosen


class BenchTap:
    """Hands the frames to the service as fast as it analyses them (never more than IN_FLIGHT ahead)."""

    def __init__(self, camera: str, frames: list, counters_of):
        self.camera, self.frames, self.counters_of = camera, frames, counters_of
        self.done = threading.Event()
        self.started = threading.Event()
        self.closed = False

    def subscribe(self, fps: float, *, queue_size: int = 2, name: str = "", motion=None, deliver=None):
        threading.Thread(target=self._play, args=(deliver,), daemon=True).start()
        return self

    def _play(self, deliver) -> None:
        self.started.wait()
        for sent, image in enumerate(self.frames):
            while not self.closed:
                counters = self.counters_of()
                if counters and sent - counters.frames_analysed - counters.frames_dropped < IN_FLIGHT:
                    break
                time.sleep(0.002)
            deliver(ClipFrame(self.camera, time.time() + sent / 5, image, sent))
        while not self.closed:
            counters = self.counters_of()
            if counters.frames_analysed + counters.frames_dropped >= len(self.frames):
                self.done.set()
                return
            time.sleep(0.005)

    def close(self) -> None:
        self.closed = True


def raw_fps(alpr, frames: list) -> float:
    began = time.perf_counter()
    for image in frames:
        alpr.predict(image)
    return len(frames) / (time.perf_counter() - began)


def pipeline_fps(model_dir: str, frames: list, workdir: Path) -> float:
    config = parse_config({
        "storage": {"path": str(workdir / "data")},
        "lpr": {"model_dir": model_dir},
        "cameras": [{"name": "bench", "url": "rtsp://127.0.0.1/bench", "motion": {"enabled": False}}],
    })
    service: LprService | None = None
    tap = BenchTap("bench", frames, lambda: service.counters.get("bench") if service else None)
    service = LprService(config, {"bench": tap}, log_level="WARNING")
    service.start()
    while not all(w["ready"] for w in service.health["workers"]):
        time.sleep(0.1)
    began = time.perf_counter()
    tap.started.set()
    tap.done.wait(600)
    elapsed = time.perf_counter() - began
    service.stop()
    return service.counters["bench"].frames_analysed / elapsed


def static_skipped(seconds: float) -> float:
    gate = MotionGate(MotionConfig())
    frames = list(static_frames(seconds))[::SAMPLE_EVERY]
    skipped = sum(not gate.moving(image) for image in frames)
    return 100.0 * skipped / len(frames)


def driveby_missed(recogniser: Recogniser, clip, frames: list[tuple[float, object]]) -> tuple[int, int]:
    """(cars read without the gate, of them missed with the gate)."""
    gate = MotionGate(MotionConfig())
    with_gate, without_gate = set(), set()
    for t, image in frames:
        passed = gate.moving(image)
        texts = {r.read.text for r in recogniser.read_frame(image, "bench", t)}
        for car in clip.passes:
            if car.plate in texts:
                without_gate.add(car.plate)
                if passed:
                    with_gate.add(car.plate)
    return len(without_gate), len(without_gate - with_gate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cars", type=int, default=8, help="cars in the drive-by clip")
    parser.add_argument("--static-seconds", type=float, default=60)
    args = parser.parse_args()
    shared = Path(os.environ.get("DOZOR_SHARED_DIR") or REPO.parent / "shared")
    model_dir = os.environ.get("DOZOR_MODEL_DIR") or str(shared / "models")
    os.environ["DOZOR_MODEL_DIR"] = model_dir
    alpr = build_alpr(LprConfig(model_dir=model_dir))
    recogniser = Recogniser(alpr, 0.5)
    cars = readable(load_cars(shared / "plates")[3::9], recogniser)[: args.cars]
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    clip = build_clip(out, cars, seed=5)
    sampled = list(decode(clip.path, every=SAMPLE_EVERY))
    frames = [image for _, image in sampled]
    print(f"{len(cars)} cars, {len(frames)} frames at 5 frames/s from {clip.path.name}", file=sys.stderr)

    raw_fps(alpr, frames[:10])  # warm-up
    with tempfile.TemporaryDirectory() as tmp:
        pipe = pipeline_fps(model_dir, frames, Path(tmp))
    raw = raw_fps(alpr, frames)
    with tempfile.TemporaryDirectory() as tmp:
        pipe = (pipe + pipeline_fps(model_dir, frames, Path(tmp))) / 2  # raw measured between two runs
    static = static_skipped(args.static_seconds)
    read_cars, missed = driveby_missed(recogniser, clip, sampled)
    print(f"raw fast-alpr: {raw:.2f} frames/s; Dozor pipeline: {pipe:.2f} frames/s")
    print(f"motion gate: static scene {static:.1f} % skipped; "
          f"drive-by {missed} of {read_cars} read cars missed")
    print(f"lpr ratio={pipe / raw:.3f} static_skipped={static:.1f}% driveby_missed={missed}")


if __name__ == "__main__":
    main()
