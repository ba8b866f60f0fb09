"""The motion gate's recall and cost: of the moments a car's plate can be read, how many reach the models.

Ground truth from the clips themselves: every frame of each car pass is read with the real models once
(cached next to the clip); a frame "shows a readable plate" when they read the car's plate exactly.
The gate is the production one: a recorder FrameTap fed the clip's packets (as the recorder feeds it,
twice round the loop; the second round counts), with plate reading's motion subscription, so it decodes
only keyframes while the road is still and the GOP before a keyframe that shows a car. Recall is
measured twice. Asking for every frame (sample_fps 25): frames with a readable plate the gate passed
on, over all frames with a readable plate: what the gate skips, with sampling out of the way. At the
production 5 frames a second, where plate reading looks at one frame in five: 0.2-s slots with a
readable frame in which the gate passed a frame on, over all such slots; here a car that comes in
during a slot whose sample was taken just before it is "missed" by sampling, not by the gate, so the
gate as it was before (every frame decoded, every fifth looked at) is shown on the same slots. The cost
is the share of the packets the tap decoded at 5 frames a second.

    .venv/bin/python bench/gate_recall.py [--traffic busy,village] [--variants]
`--variants` adds one clip of 4 cars (each followed by 7.5 s of road) encoded four ways, to see what the
frame-size wake (recorder/coded_size.py) does on each: the soak's ABR at 2 Mbit/s, strict CBR (x264
nal-hrd=cbr), VBR (constant quality, crf 23, capped at 4 Mbit/s) and a noisy night scene (a quarter of
the light, +-8 grey levels of noise per pixel, ABR) (bench/rate_variants.py).
Last line: `gate_recall recall=X% frames=A/B slot_recall=Y% full_decode_slot_recall=Z% passes=C/D
decoded=E%`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import av

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from plate_clips import FPS, DriveByClip, decode  # noqa: E402

from edge.config import MotionConfig  # noqa: E402
from plate_index.motion import MotionGate  # noqa: E402
from recorder.frame_tap import FrameTap  # noqa: E402

SAMPLE_FPS = 5
SLOT = FPS // SAMPLE_FPS  # frames per sampling slot


@dataclass
class Recall:
    frames: int = 0  # frames with a readable plate
    frames_passed: int = 0  # of them, frames the gate passed on when asked for every frame
    slots: int = 0  # 0.2-s slots with a readable plate
    passed: int = 0  # of them, slots where the gate passed a frame on
    passes: int = 0
    passes_passed: int = 0  # passes with a readable slot the gate passed
    packets: int = 0
    decoded: int = 0
    replays: int = 0
    signal_wakes: int = 0
    full_passed: int = 0  # slots the gate passed when every frame was decoded (before)

    @property
    def share(self) -> float:
        """The gate's recall: readable frames passed on, every frame asked for."""
        return self.frames_passed / self.frames if self.frames else 0.0

    @property
    def slot_share(self) -> float:
        return self.passed / self.slots if self.slots else 0.0

    def add(self, other: Recall) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        decoded = self.decoded / max(self.packets, 1) * 100
        return (f"{self.share * 100:.2f} % of {self.frames} frames with a readable plate passed on "
                f"({self.frames_passed}); at 5/s {self.slot_share * 100:.2f} % of {self.slots} sampling "
                f"slots ({self.passed}; the gate before, every frame decoded: {self.full_passed}); passes "
                f"{self.passes_passed}/{self.passes}; decoded {decoded:.1f} % of the packets ({self.replays} "
                f"GOPs decoded late, {self.signal_wakes} frame-size wakes)")


def readable_frames(clip: DriveByClip, recogniser_factory) -> set[int]:
    """Frame indices of the clip on which the models read the passing car's plate (cached)."""
    cache = clip.path.with_name(clip.path.stem + "-readable.json")
    if cache.exists():
        return set(json.loads(cache.read_text()))
    recogniser = recogniser_factory()
    windows = [(round(p.start * FPS), round(p.end * FPS), p.plate) for p in clip.passes]
    found = []
    for index, (_, image) in enumerate(decode(clip.path)):
        for begin, end, plate in windows:
            if begin <= index < end and plate in {r.read.text for r in recogniser.read_frame(image, "", 0.0)}:
                found.append(index)
    cache.write_text(json.dumps(found))
    return set(found)


def gated_frames(path: Path, sample_fps: float = SAMPLE_FPS, loops: int = 2) -> tuple[set[int], FrameTap]:
    """Clip frame indices the production tap + gate delivered in the last loop."""
    tap = FrameTap("bench")
    sub = tap.subscribe(sample_fps, queue_size=2048, name="lpr", motion=MotionGate(MotionConfig()))
    seqs: list[int] = []
    reader = threading.Thread(target=lambda: seqs.extend(f.seq for f in iter(lambda: sub.get(3), None)))
    reader.start()
    start = time.time()
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        count, step = len(packets), packets[1].pts - packets[0].pts
        first = [p.pts for p in packets]
        for loop in range(loops):
            for packet, pts in zip(packets, first, strict=True):
                while tap.queued > 32:
                    time.sleep(0.002)
                packet.pts = packet.dts = pts + loop * count * step
                tap.feed(packet, start + float(packet.pts * packet.time_base))
    reader.join()
    sub.close()
    return {(s - 1) % count for s in seqs if (s - 1) // count == loops - 1}, tap


def full_decode_frames(path: Path) -> set[int]:
    """What the gate passed before: every frame decoded, every fifth looked at."""
    gate = MotionGate(MotionConfig())
    passed = set()
    for loop in range(2):
        for index, (_, image) in enumerate(decode(path)):
            if index % SLOT == 0 and gate.moving(image) and loop == 1:
                passed.add(index)
    return passed


def measure(clips: list[DriveByClip], recogniser_factory) -> Recall:
    total = Recall()
    for clip in clips:
        readable = readable_frames(clip, recogniser_factory)
        every, _ = gated_frames(clip.path, FPS)
        gated, tap = gated_frames(clip.path)
        full = full_decode_frames(clip.path)
        slots = {i // SLOT for i in readable}
        decoding = tap.decoding
        assert decoding is not None
        one = Recall(
            frames=len(readable), frames_passed=len(readable & every),
            slots=len(slots), passed=len(slots & {i // SLOT for i in gated}),
            full_passed=len(slots & {i // SLOT for i in full}), packets=decoding.packets,
            decoded=decoding.decoded, replays=decoding.replays, signal_wakes=decoding.signal_wakes,
        )
        for p in clip.passes:
            mine = {i // SLOT for i in readable if p.start * FPS <= i < p.end * FPS}
            one.passes += bool(mine)
            one.passes_passed += bool(mine & {i // SLOT for i in gated})
        print(f"  {clip.path.name}: {one}", flush=True)
        total.add(one)
    return total


def recogniser_factory(model_dir: str):
    def make():
        from edge.config import LprConfig
        from plate_index.models import build_alpr
        from plate_index.recognise import Recogniser

        return Recogniser(build_alpr(LprConfig(model_dir=model_dir)), 0.5)

    return make


def main() -> None:
    from soak_clips import TRAFFIC, camera_clips, readable_cars

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traffic", default="busy,village", help="the soak's clips: busy, village or both")
    parser.add_argument("--variants", action="store_true", help="also CBR, VBR and night encodings of a clip")
    args = parser.parse_args()
    shared = Path(os.environ.get("DOZOR_SHARED_DIR") or REPO.parent / "shared")
    model_dir = os.environ.get("DOZOR_MODEL_DIR") or str(shared / "models")
    cache = REPO / "bench" / "out" / "soak"
    cars = readable_cars(shared / "plates", Path(model_dir), cache)
    clips = []
    for name in args.traffic.split(","):
        traffic = TRAFFIC[name]
        clips += camera_clips(cars, traffic, traffic.clips, cache)
    recall = measure(clips, recogniser_factory(model_dir))
    print(f"motion gate: {recall}")
    if args.variants:
        from rate_variants import VARIANTS, variant_clip

        for kind in VARIANTS:
            print(f"{kind}:", flush=True)
            measure([variant_clip(cars[:4], kind, cache)], recogniser_factory(model_dir))
    decoded = recall.decoded / max(recall.packets, 1) * 100
    print(f"gate_recall recall={recall.share * 100:.2f}% frames={recall.frames_passed}/{recall.frames} "
          f"slot_recall={recall.slot_share * 100:.2f}% "
          f"full_decode_slot_recall={recall.full_passed / max(recall.slots, 1) * 100:.2f}% "
          f"passes={recall.passes_passed}/{recall.passes} decoded={decoded:.1f}%")


if __name__ == "__main__":
    main()
