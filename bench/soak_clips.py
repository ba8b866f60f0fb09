"""The soak's simulated cameras: a few cached drive-by clips of cars the models read on stills, shared by
the cameras at different start offsets.

Three kinds of traffic (`TRAFFIC`): `busy` (a car every 4.5 s, today's soak: each clip encoded in one go
from the tests' drive-by pieces, tests/plate_clips.py), `village` (a car every 30 s: each car's 4-s
drive-by encoded once, then two-second pieces of empty road spliced after it, bench/clip_splice.py) and
`empty` (the road with sensor noise and no car). All 1280x720 at ~2 Mbit/s with dozor/demo/clip.py's
RTSP-safe settings (a keyframe every 2 s), cached in bench/out/soak/, so a soak encodes a few minutes of
video once instead of half an hour each run. Camera i plays clip i % N rotated to start at a different
keyframe, so the cameras that share a clip do not see the same car at the same moment; a car is found
with `dozor search ABC --camera cam-N`, so sharing cars between cameras is fine. The still read runs
once and is cached: it is the acceptance's denominator ("every plate that the stills read").
`substream` makes a camera's 640x360 sub-stream from its clip, for soaks where plate reading uses
`lpr_url`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
from clip_splice import rotate, splice
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

BITRATE = 2_000_000
GOP_FRAMES = 50  # dozor/demo/clip.py: a keyframe every 2 s at 25 frames/s
EPISODE_FRAMES = 100  # village: the car's 3 s and 1 s of empty road, two whole GOPs
STILL_SECONDS = 20.0  # the empty road, encoded once per background
SUB_SIZE, SUB_BITRATE = (640, 360), 512_000  # a typical camera sub-stream


@dataclass(frozen=True)
class Traffic:
    name: str
    clips: int  # distinct clips the cameras share
    cars_per_clip: int
    period: float  # seconds from one car to the next


TRAFFIC = {
    "busy": Traffic("busy", clips=6, cars_per_clip=8, period=CAR_SECONDS + GAP_SECONDS),
    "village": Traffic("village", clips=4, cars_per_clip=4, period=30.0),
    "empty": Traffic("empty", clips=4, cars_per_clip=0, period=20.0),
}


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


def camera_clips(cars: list[Car], traffic: Traffic, cameras: int, cache: Path) -> list[DriveByClip]:
    """One clip per camera: the traffic's shared clips, each started at a different keyframe."""
    shared = [_shared_clip(cars, traffic, k, cache) for k in range(min(traffic.clips, cameras))]
    per_clip = -(-cameras // len(shared))  # cameras sharing one clip
    clips = []
    for i in range(cameras):
        clip = shared[i % len(shared)]
        frames = round(clip.duration * FPS)
        start = (i // len(shared)) * frames // per_clip // GOP_FRAMES * GOP_FRAMES
        clips.append(_rotated(clip, start, cache))
    return clips


def _rotated(clip: DriveByClip, start_frame: int, cache: Path) -> DriveByClip:
    if start_frame == 0:
        return clip
    offset = start_frame / FPS
    path = rotate(clip.path, cache / f"{clip.path.stem}-from{start_frame}.mp4", start_frame)
    passes = tuple(sorted((Pass(p.plate, (p.start - offset) % clip.duration,
                                (p.start - offset) % clip.duration + p.end - p.start) for p in clip.passes),
                          key=lambda p: p.start))
    return DriveByClip(path, passes, clip.duration)


def _shared_clip(cars: list[Car], traffic: Traffic, k: int, cache: Path) -> DriveByClip:
    mine = cars[k::traffic.clips][: traffic.cars_per_clip] if traffic.cars_per_clip else []
    if traffic.cars_per_clip and not mine:
        raise SystemExit(f"soak: only {len(cars)} readable cars, too few for {traffic.clips} clips")
    cache.mkdir(parents=True, exist_ok=True)
    seed = k
    if traffic.name == "busy":
        return _busy_clip(mine, seed, cache)
    # Empty road with fresh sensor noise in every frame (a repeated piece would show the motion gate
    # the very same keyframe again and again); between cars its GOPs are used in turn.
    still = _encoded(cache, ["still", seed, STILL_SECONDS], static_frames(STILL_SECONDS, seed))
    still_gops = itertools.cycle([(still, g * GOP_FRAMES, (g + 1) * GOP_FRAMES)
                                  for g in range(round(STILL_SECONDS * FPS) // GOP_FRAMES)])
    if not mine:
        return DriveByClip(still, (), STILL_SECONDS)
    gops_per_car = round(traffic.period * FPS) // GOP_FRAMES
    pieces: list[tuple[Path, int, int]] = []
    passes, t = [], 0.0
    for car in mine:
        frames, _ = drive_by_frames([car], seed)
        shown = itertools.islice(frames, EPISODE_FRAMES)
        episode = _encoded(cache, ["car", str(car.file), car.box, seed], shown)
        passes.append(Pass(car.plate, t, t + CAR_SECONDS))
        pieces.append((episode, 0, EPISODE_FRAMES))
        pieces += [next(still_gops) for _ in range(gops_per_car - EPISODE_FRAMES // GOP_FRAMES)]
        t += gops_per_car * GOP_FRAMES / FPS
    path = cache / f"{traffic.name}-{seed}-{_key([[p[0].name, p[1]] for p in pieces])}.mp4"
    if not path.exists():
        log.info("splicing %s (%d cars, %.0f s)", path.name, len(mine), t)
        splice(path, pieces)
    return DriveByClip(path, tuple(passes), t)


def _busy_clip(cars: list[Car], seed: int, cache: Path) -> DriveByClip:
    """Today's soak clip: the cars one after another, each followed by GAP_SECONDS of empty road."""
    path = cache / f"busy-{seed}-{_key([[str(c.file), c.box] for c in cars] + [seed])}.mp4"
    passes, t = [], 0.0
    for car in cars:
        passes.append(Pass(car.plate, t, t + CAR_SECONDS))
        t += CAR_SECONDS + GAP_SECONDS
    if not path.exists():
        log.info("encoding %s (%d cars, %.0f s)", path.name, len(cars), t)
        frames = itertools.chain.from_iterable(drive_by_frames([car], seed)[0] for car in cars)
        _encode(path, frames)
    return DriveByClip(path, tuple(passes), t)


def _encoded(cache: Path, what: list, frames) -> Path:
    """A piece encoded once, named after what it shows."""
    path = cache / f"{what[0]}-{_key(what)}.mp4"
    if not path.exists():
        _encode(path, frames)
    return path


def _encode(path: Path, frames) -> None:
    partial = path.with_name("tmp-" + path.name)
    encode_frames(partial, frames, fps=FPS, bitrate=BITRATE)
    partial.replace(path)


def _key(what: list) -> str:
    return hashlib.sha1(json.dumps([*what, BITRATE, GOP_FRAMES]).encode()).hexdigest()[:12]


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


__all__ = ["TRAFFIC", "Traffic", "camera_clips", "readable_cars", "substream"]
