"""The motion gate's recall and cost: of the moments a car's plate can be read, how many reach the models.

Ground truth from the clips themselves: every frame of each car pass is read with the real models once
(cached next to the clip); a frame "shows a readable plate" when they read the car's plate exactly.
The gate is the production one: a recorder FrameTap fed the clip's packets (as the recorder feeds it,
twice round the loop; the second round counts), with plate reading's motion subscription at 5 frames a
second, so it decodes only keyframes while the road is still and the GOP before a keyframe that shows a
car. Plate reading looks at one frame in five, so recall is about the frames it samples: of the
sampled frames that show a readable plate, the share the gate passed on to the models, where frames the
tap did not even decode (asleep while a plate was in view) count as missed, one per 0.2 s. The gate as
it was before (every frame decoded, every fifth looked at) is measured the same way. Also shown: per
0.2-s slot with a readable frame, whether a frame of that slot reached the models (a car that comes in
just after a sample is missed there by sampling, by both), and the share of the packets decoded.

    .venv/bin/python bench/gate_recall.py [--traffic busy,village] [--variants]
`--variants` adds one clip of 4 cars (each followed by 7.5 s of road) encoded four ways, to see what the
frame-size wake (recorder/coded_size.py) does on each: the soak's ABR at 2 Mbit/s, strict CBR (x264
nal-hrd=cbr), VBR (constant quality, crf 23, capped at 4 Mbit/s) and a noisy night scene (a quarter of
the light, +-8 grey levels of noise per pixel, ABR) (bench/rate_variants.py).
Last line: `gate_recall recall=X% frames=A/B before=Y% slot_recall=Z% passes=C/D decoded=E%`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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
    sampled: int = 0  # sampled frames with a readable plate (+ one per 0.2 s the tap did not decode)
    passed: int = 0  # of them, passed on to the models
    before_sampled: int = 0  # the same for the gate as it was (every frame decoded)
    before_passed: int = 0
    slots: int = 0  # 0.2-s slots with a readable plate
    slots_passed: int = 0  # of them, slots from which a frame reached the models
    passes: int = 0
    passes_passed: int = 0  # passes with a readable frame the gate passed on
    packets: int = 0
    decoded: int = 0
    replays: int = 0
    signal_wakes: int = 0

    @property
    def share(self) -> float:
        return self.passed / self.sampled if self.sampled else 0.0

    @property
    def before_share(self) -> float:
        return self.before_passed / self.before_sampled if self.before_sampled else 0.0

    @property
    def slot_share(self) -> float:
        return self.slots_passed / self.slots if self.slots else 0.0

    def add(self, other: Recall) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        decoded = self.decoded / max(self.packets, 1) * 100
        return (f"{self.share * 100:.2f} % of {self.sampled} sampled frames with a readable plate passed on "
                f"({self.passed}; the gate before, every frame decoded: {self.before_share * 100:.2f} % of "
                f"{self.before_sampled}); slots {self.slot_share * 100:.2f} % of {self.slots}; passes "
                f"{self.passes_passed}/{self.passes}; decoded {decoded:.1f} % of the packets ({self.replays} "
                f"GOPs decoded late, {self.signal_wakes} frame-size wakes)")


class _Recording:
    """The motion gate, noting the verdict on every frame it is asked about (clip frame index)."""

    def __init__(self, count: int):
        self.gate = MotionGate(MotionConfig())
        self.count = count
        self.verdicts: dict[int, float] = {}

    def differs(self, frame) -> bool:
        return self.gate.differs(frame)

    def look(self, frame) -> float:
        verdict = self.gate.look(frame)
        self.verdicts[frame.seq - 1] = verdict
        return verdict


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


def gated_looks(path: Path, loops: int = 2) -> tuple[dict[int, float], int, FrameTap]:
    """The production tap + gate: its verdict on each frame it looked at in the last loop (clip frame
    index -> motion), the clip's frame count, and the tap (its decoding counters)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        count, step = len(packets), packets[1].pts - packets[0].pts
        gate = _Recording(count)
        tap = FrameTap("bench")
        sub = tap.subscribe(SAMPLE_FPS, queue_size=4096, name="lpr", motion=gate)
        start, first = time.time(), [p.pts for p in packets]
        for loop in range(loops):
            for packet, pts in zip(packets, first, strict=True):
                while tap.queued > 32:
                    time.sleep(0.002)
                packet.pts = packet.dts = pts + loop * count * step
                tap.feed(packet, start + float(packet.pts * packet.time_base))
        while tap.queued:
            time.sleep(0.01)
        time.sleep(0.5)
    sub.close()
    last = (loops - 1) * count  # looks just before it cover the loop's first frames (negative indices)
    return {i - last: v for i, v in gate.verdicts.items() if i >= last - SLOT}, count, tap


def full_decode_looks(path: Path) -> dict[int, float]:
    """The gate as it was: every frame decoded, every fifth looked at (last of two loops)."""
    gate = MotionGate(MotionConfig())
    verdicts = {}
    for loop in range(2):
        frames = list(decode(path))
        for index, (_, image) in enumerate(frames):
            if index % SLOT == 0:
                moving = gate.moving(image)
                if loop == 1 or index >= len(frames) - SLOT:
                    verdicts[index - (len(frames) if loop == 0 else 0)] = float(moving)
    return verdicts


def sampled_recall(readable: set[int], looks: dict[int, float]) -> tuple[int, int]:
    """(sampled readable frames, of them passed on): a readable frame counts when the gate looked at
    it; readable frames with no look in the 0.2 s up to them were not decoded at all: one per 0.2 s."""
    sampled = [i for i in readable if i in looks]
    passed = sum(1 for i in sampled if looks[i] > 0)
    unseen = sorted(i for i in readable if not any(i - k in looks for k in range(SLOT)))
    runs, last = 0, None
    for i in unseen:
        if last is None or i - last >= SLOT:
            runs, last = runs + 1, i
    return len(sampled) + runs, passed


def measure(clips: list[DriveByClip], recogniser_factory) -> Recall:
    total = Recall()
    for clip in clips:
        readable = readable_frames(clip, recogniser_factory)
        looks, _, tap = gated_looks(clip.path)
        before = full_decode_looks(clip.path)
        passed = {i for i, v in looks.items() if v > 0}
        decoding = tap.decoding
        assert decoding is not None
        sampled, ok = sampled_recall(readable, looks)
        before_sampled, before_ok = sampled_recall(readable, before)
        slots = {i // SLOT for i in readable}
        one = Recall(
            sampled=sampled, passed=ok, before_sampled=before_sampled, before_passed=before_ok,
            slots=len(slots), slots_passed=len(slots & {i // SLOT for i in passed}), packets=decoding.packets,
            decoded=decoding.decoded, replays=decoding.replays, signal_wakes=decoding.signal_wakes,
        )
        for p in clip.passes:
            mine = {i for i in readable if p.start * FPS <= i < p.end * FPS}
            one.passes += bool(mine)
            one.passes_passed += bool(mine & passed)
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
    print(f"gate_recall recall={recall.share * 100:.2f}% frames={recall.passed}/{recall.sampled} "
          f"before={recall.before_share * 100:.2f}% slot_recall={recall.slot_share * 100:.2f}% "
          f"passes={recall.passes_passed}/{recall.passes} decoded={decoded:.1f}%")


if __name__ == "__main__":
    main()
