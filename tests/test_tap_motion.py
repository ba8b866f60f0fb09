"""Plate reading's frames cost what the traffic costs: while the road is still the frame tap decodes only
keyframes, and a car that came in between two keyframes is delivered from its first frame on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from clips import encode_frames

from edge.config import MotionConfig
from plate_index.motion import MotionGate
from recorder.coded_size import CodedSizeWatch
from recorder.frame_tap import FrameTap

FPS, SIZE = 25, (320, 240)
CAR_IN, CAR_OUT = 5.3, 6.9  # seconds: the car comes in after the keyframe at 4 s, before the one at 6 s
SECONDS = 12.0


def _road(rng: np.random.Generator, scene: np.ndarray, t: float) -> np.ndarray:
    frame = scene.copy()
    if CAR_IN <= t < CAR_OUT:
        x = int(300 - (t - CAR_IN) / (CAR_OUT - CAR_IN) * 260)
        frame[120:180, x - 50:x] = (30, 30, 200)
    noise = rng.integers(-3, 4, size=frame.shape[:2] + (1,), dtype=np.int16)
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def road_clip(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    texture = rng.normal(110, 25, (SIZE[1] // 8, SIZE[0] // 8, 3)).astype(np.float32)
    scene = np.clip(cv2.resize(texture, SIZE, interpolation=cv2.INTER_CUBIC), 0, 255).astype(np.uint8)
    frames = (_road(rng, scene, i / FPS) for i in range(int(SECONDS * FPS)))
    # Constant quality (VBR), as many cameras send: frame sizes follow what moves.
    return encode_frames(tmp_path_factory.mktemp("road") / "road.mp4", frames, fps=FPS)


def _play(tap: FrameTap, path: Path) -> None:
    """Feed the clip's packets as the recorder would (wall time = start + stream time), as fast as
    the tap's decoder takes them."""
    start = time.time()
    with av.open(str(path)) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size:
                while tap.queued > 32:
                    time.sleep(0.005)
                tap.feed(packet, start + float(packet.pts * packet.time_base))
    while tap.queued:
        time.sleep(0.01)
    time.sleep(0.3)


def _watch(path: Path) -> tuple[list, FrameTap, MotionGate]:
    tap = FrameTap("road")
    gate = MotionGate(MotionConfig())
    sub = tap.subscribe(5, queue_size=64, name="lpr", motion=gate)
    frames: list = []
    reader = threading.Thread(target=lambda: frames.extend(iter(lambda: sub.get(2), None)))
    reader.start()
    _play(tap, path)
    reader.join()
    sub.close()
    return frames, tap, gate


@pytest.mark.parametrize("sizes", ["telling", "silent"])
def test_a_still_road_costs_keyframes_and_a_car_is_seen_from_its_first_sampled_frame(
    road_clip, sizes, monkeypatch
):
    """`telling`: the frame sizes show the car coming in (VBR), the tap wakes at once and decodes the
    current GOP from its keyframe. `silent`: they do not (CBR, night noise): the keyframe after the car
    came in shows it, and the GOP before is decoded then."""
    if sizes == "silent":
        monkeypatch.setattr(CodedSizeWatch, "observe", lambda self, size, keyframe, stream_time: False)
    frames, tap, gate = _watch(road_clip)
    decoding = tap.decoding
    assert decoding is not None
    times = [(f.seq - 1) / FPS for f in frames]  # seq numbers the packets: the clip's frame index + 1
    moving = [t for t in times if t > 0.5]
    print(f"{sizes}: delivered at {[round(t, 2) for t in times]}; decoded {decoding.decoded} of "
          f"{decoding.packets} packets, {decoding.replays} replays, {decoding.signal_wakes} size wakes, "
          f"{gate.still} still frames")
    # The car: every 0.2-s sample while it is in view, from its first frame on.
    slots = np.arange(CAR_IN, CAR_OUT, 0.2)
    assert all(any(slot <= t < slot + 0.2 for t in moving) for slot in slots), "a sample slot was missed"
    # Nothing else but the frames right after it (the gate's hold) and the very first frame.
    assert all(CAR_IN - 0.05 <= t <= CAR_OUT + 1.0 for t in moving)
    assert times == sorted(times), "frames are delivered in stream order"
    assert all(f.motion > 0 for f in frames)
    # The cost: the first second (the gate had nothing to compare with), the keyframes, the GOP before
    # the car (50 frames) or the current one up to the car, and the car with 1 s of hold; the other
    # ~5 s of still road were not decoded.
    keyframes = int(SECONDS / 2)
    assert decoding.decoded <= FPS + keyframes + 2 * FPS + (CAR_OUT - 6.0 + 1.0 + 0.5) * FPS
    if sizes == "silent":
        assert decoding.replays == 1 and decoding.signal_wakes == 0
    else:
        assert decoding.replays == 0 and decoding.signal_wakes == 1
