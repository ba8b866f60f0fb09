"""One drive-by clip encoded the ways cameras encode: ABR (the soak's), strict CBR, VBR and a night scene.

For bench/gate_recall.py --variants: the frame-size wake (recorder/coded_size.py) depends on how the
camera spends its bits, so its use is measured on each. Four cars, each followed by 7.5 s of empty road
(a car every 10.5 s), 1280x720 at 25 frames/s, a keyframe every 2 s, no B-frames (as dozor/demo/clip.py).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from plate_clips import CAR_SECONDS, FPS, Car, DriveByClip, Pass, drive_by_frames, static_frames

COMMON = "bframes=0:repeat-headers=1:keyint=50:min-keyint=50:scenecut=0:sliced-threads=0"
VARIANTS = {
    "abr": (2_000_000, ""),
    "cbr": (2_000_000, ":vbv-maxrate=2000:vbv-bufsize=2000:nal-hrd=cbr"),
    "vbr": (None, ":crf=23:vbv-maxrate=4000:vbv-bufsize=4000"),
    "night": (2_000_000, ""),
}
ROAD_SECONDS = 6.0  # after the car's own 1.5 s of empty road


def variant_clip(cars: list[Car], kind: str, cache: Path) -> DriveByClip:
    key = hashlib.sha1(json.dumps([[str(c.file), c.box] for c in cars] + [kind]).encode()).hexdigest()[:12]
    path = cache / f"variant-{kind}-{key}.mp4"
    passes, t = [], 0.0
    for car in cars:
        passes.append(Pass(car.plate, t, t + CAR_SECONDS))
        t += CAR_SECONDS + 1.5 + ROAD_SECONDS
    if not path.exists():
        frames = itertools.chain.from_iterable(
            itertools.chain(drive_by_frames([car], 7)[0], static_frames(ROAD_SECONDS, 7)) for car in cars
        )
        if kind == "night":
            frames = (_night(frame, np.random.default_rng(i)) for i, frame in enumerate(frames))
        _encode(path, frames, *VARIANTS[kind])
    return DriveByClip(path, tuple(passes), t)


def _night(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.integers(-8, 9, frame.shape[:2] + (1,), dtype=np.int16)
    return np.clip(frame.astype(np.int16) // 4 + noise, 0, 255).astype(np.uint8)


def _encode(path: Path, frames, bitrate: int | None, params: str) -> None:
    partial = path.with_name("tmp-" + path.name)
    with av.open(str(partial), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 1280, 720, "yuv420p"
        video.codec_context.thread_type = "FRAME"
        if bitrate:
            video.bit_rate = bitrate
        video.options = {"preset": "veryfast", "x264-params": COMMON + params}
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    partial.replace(path)
