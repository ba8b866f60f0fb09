"""The soak's simulated cameras: one drive-by clip per camera, made of cars the models read on stills.

Built from the tests' drive-by pieces (tests/plate_clips.py: a car photo sliding across a roadside scene,
plate 110-170 px wide in 1280x720) and encoded once with dozor/demo/clip.py's RTSP-safe settings at
~2 Mbit/s into bench/out/soak/, so the RTSP server only streams during the soak. Every car appears on
one camera only, so `dozor search ABC --camera cam-N` can tell whether that camera found it. A camera's
clip does not depend on how many cameras run (camera i always gets cars i, i+24, ...), so the sweep's
short soaks reuse the same files. The still read runs once and is cached: it is the acceptance's
denominator ("every plate that the stills read"). `substream` makes a camera's 640x360 sub-stream from
its clip (same frames, downscaled), for soaks where plate reading uses `lpr_url`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from plate_clips import (
    CAR_SECONDS,
    FPS,
    GAP_SECONDS,
    Car,
    DriveByClip,
    Pass,
    decode,
    drive_by_frames,
    load_cars,
    readable,
    static_frames,
)

from dozor.demo.clip import encode_frames

log = logging.getLogger(__name__)

SLOTS = 24  # cars are dealt to 24 camera slots whatever the soak's size, so clips are reused
MAX_CARS_PER_CLIP = 8
BITRATE = 2_000_000
SUB_SIZE, SUB_BITRATE = (640, 360), 512_000  # a typical camera sub-stream


def readable_cars(plates_dir: Path, model_dir: Path, cache: Path) -> list[Car]:
    """The labelled photos whose still the models read exactly (with the plate box found), cached."""
    labels = (plates_dir / "labels.csv").read_bytes()
    models = sorted(p.name for p in model_dir.iterdir())
    key = hashlib.sha1(labels + json.dumps(models).encode()).hexdigest()[:12]
    path = cache / f"readable-{key}.json"
    if path.exists():
        rows = json.loads(path.read_text())
        return [Car(plates_dir / r["file"], r["plate"], r["region"], tuple(r["box"])) for r in rows]
    from edge.config import LprConfig
    from plate_index.models import build_alpr
    from plate_index.recognise import Recogniser

    log.info("reading %s stills once to know which plates the models read", plates_dir)
    recogniser = Recogniser(build_alpr(LprConfig(model_dir=str(model_dir))), 0.5)
    cars = readable(load_cars(plates_dir), recogniser)
    cache.mkdir(parents=True, exist_ok=True)
    rows = [{"file": str(c.file.relative_to(plates_dir)), "plate": c.plate, "region": c.region,
             "box": list(c.box)} for c in cars]
    path.write_text(json.dumps(rows, indent=1))
    return cars


def cars_of_camera(cars: list[Car], index: int) -> list[Car]:
    """Camera `index`'s cars: every 24th readable car from its slot, at most 8, at least 1."""
    per_clip = max(1, min(MAX_CARS_PER_CLIP, len(cars) // SLOTS))
    mine = cars[index % SLOTS::SLOTS][:per_clip]
    return mine or [cars[index % len(cars)]]


def camera_clip(cars: list[Car], index: int, folder: Path, extra_gap: float = 0.0) -> DriveByClip:
    """Encode (or reuse) the clip of camera `index`: its cars one after another, each followed by
    GAP_SECONDS (+ `extra_gap`) of empty road, looped by the RTSP server."""
    mine = cars_of_camera(cars, index)
    key = hashlib.sha1(json.dumps([[str(c.file), c.box] for c in mine] + [index, extra_gap, BITRATE])
                       .encode()).hexdigest()[:12]
    path = folder / f"soak-{index:02d}-{key}.mp4"
    passes, t = [], 0.0
    for car in mine:
        passes.append(Pass(car.plate, t, t + CAR_SECONDS))
        t += CAR_SECONDS + GAP_SECONDS + extra_gap
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        log.info("encoding %s (%d cars, %.0f s)", path.name, len(mine), t)
        partial = path.with_name("tmp-" + path.name)
        encode_frames(partial, _frames(mine, index, extra_gap), fps=FPS, bitrate=BITRATE)
        partial.replace(path)
    return DriveByClip(path, tuple(passes), t)


def _frames(cars: list[Car], seed: int, extra_gap: float) -> Iterator[np.ndarray]:
    for car in cars:
        frames, _ = drive_by_frames([car], seed)
        yield from itertools.chain(frames, static_frames(extra_gap, seed))


def substream(clip: DriveByClip) -> Path:
    """The clip downscaled to a 640x360 ~512 kbit/s sub-stream (encoded once, next to the clip)."""
    path = clip.path.with_name(clip.path.stem + "-sub.mp4")
    if not path.exists():
        log.info("encoding %s", path.name)
        partial = path.with_name("tmp-" + path.name)
        frames = (cv2.resize(image, SUB_SIZE, interpolation=cv2.INTER_AREA) for _, image in decode(clip.path))
        encode_frames(partial, frames, fps=FPS, bitrate=SUB_BITRATE)
        partial.replace(path)
    return path
