"""Drive-by test clips made from the real car photos in ../shared/plates (never committed).

Each car "drives past" for ~3 s: its photo slides across a static roadside scene from right to left while
growing a little (approaching), with the plate 110-170 px wide in a 1280x720 picture, a plausible size
for a road camera. Between cars the scene is still for a short gap (sensor noise only), so the motion
gate has something to skip. Every clip records when each car is in view (`Pass`), so tests can tell the
sightings of a car from those that match none. Encoded by tests/clips.py with the RTSP-safe settings.
`ClipTap` plays a clip as a camera's frame tap, for the pipeline tests and the throughput bench.
"""

from __future__ import annotations

import csv
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 1280, 720, 25
CAR_SECONDS, GAP_SECONDS = 3.0, 1.5
PLATE_WIDTH = (110, 170)  # plate width in pixels as the car enters and leaves
CARS_PER_CLIP = 8


@dataclass(frozen=True)
class Car:
    file: Path
    plate: str
    region: str
    box: tuple[int, int, int, int]  # plate x, y, w, h in the photo


@dataclass(frozen=True)
class Pass:
    plate: str
    start: float  # seconds from the clip's start while the car is in view
    end: float


@dataclass(frozen=True)
class DriveByClip:
    path: Path
    passes: tuple[Pass, ...]
    duration: float


def load_cars(plates_dir: Path) -> list[Car]:
    """The labelled photos; the nomeroff ones have no plate box (0, 0, 0, 0) until `readable` finds it."""
    cars = []
    for row in csv.DictReader((plates_dir / "labels.csv").open()):
        box = tuple(int(v) for v in row["bbox_xywh"].split()) if row["bbox_xywh"].strip() else (0, 0, 0, 0)
        cars.append(Car(plates_dir / row["file"], row["plate"], row["region"], box))
    return cars


def readable(cars: list[Car], recogniser) -> list[Car]:
    """The cars whose still photo the models read exactly (the acceptance's denominator), each with
    the plate box the detector found when the label has none."""
    out = []
    for car in cars:
        reads = recogniser.read_frame(cv2.imread(str(car.file)), camera="", time=0.0)
        match = next((r for r in reads if r.read.text == car.plate), None)
        if match is None:
            continue
        if car.box == (0, 0, 0, 0):
            x1, y1, x2, y2 = match.read.box
            car = Car(car.file, car.plate, car.region, (x1, y1, x2 - x1, y2 - y1))
        out.append(car)
    return out


def background(seed: int = 0) -> np.ndarray:
    """A still roadside scene: sky, verge, grey road with markings, some texture."""
    rng = np.random.default_rng(seed)
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[: HEIGHT // 3] = (200, 170, 140)
    image[HEIGHT // 3: HEIGHT // 2] = (60, 120, 70)
    image[HEIGHT // 2:] = (95, 95, 95)
    for x in range(0, WIDTH, 160):
        cv2.rectangle(image, (x, HEIGHT - 90), (x + 80, HEIGHT - 80), (230, 230, 230), -1)
    texture = rng.normal(0, 6, (HEIGHT // 8, WIDTH // 8, 3))
    texture = cv2.resize(texture, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    return np.clip(image + texture, 0, 255).astype(np.uint8)


def drive_by_frames(cars: list[Car], seed: int = 0) -> tuple[Iterator[np.ndarray], tuple[Pass, ...]]:
    """The clip's frames (lazily) and when each car is in view."""
    passes, t = [], 0.0
    for car in cars:
        passes.append(Pass(car.plate, t, t + CAR_SECONDS))
        t += CAR_SECONDS + GAP_SECONDS
    return _frames(cars, seed), tuple(passes)


def _frames(cars: list[Car], seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed + 1)
    scene = background(seed)
    for car in cars:
        photo = cv2.imread(str(car.file))
        moving = round(CAR_SECONDS * FPS)
        for i in range(moving):
            yield _noisy(_car_on_scene(scene, photo, car.box, i / (moving - 1)), rng)
        for _ in range(round(GAP_SECONDS * FPS)):
            yield _noisy(scene, rng)


def _car_on_scene(
    scene: np.ndarray, photo: np.ndarray, box: tuple[int, int, int, int], u: float
) -> np.ndarray:
    """The car at progress u (0 = entering at the right, 1 = leaving at the left)."""
    plate_width = PLATE_WIDTH[0] + (PLATE_WIDTH[1] - PLATE_WIDTH[0]) * u
    car, plate_cx, plate_cy = car_window(photo, box, plate_width)
    centre_x = WIDTH * (0.95 - 0.9 * u)  # the plate stays in the picture for the whole pass
    centre_y = HEIGHT * (0.58 + 0.06 * u)
    frame = scene.copy()
    paste(frame, car, int(centre_x - plate_cx), int(centre_y - plate_cy))
    return frame


def car_window(
    photo: np.ndarray, box: tuple[int, int, int, int], plate_width: float
) -> tuple[np.ndarray, float, float]:
    """The car around its plate (a window 6 plates wide and 4.5 high), scaled so that the plate is
    `plate_width` px wide, and the plate's centre in it."""
    x, y, w, h = box
    scale = plate_width / w
    left, top = max(0, int(x + w / 2 - 3 * w)), max(0, int(y + h / 2 - 2.6 * w))
    right, bottom = min(photo.shape[1], int(x + w / 2 + 3 * w)), min(photo.shape[0], int(y + h / 2 + 1.9 * w))
    car = cv2.resize(photo[top:bottom, left:right], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return car, (x + w / 2 - left) * scale, (y + h / 2 - top) * scale


def paste(frame: np.ndarray, picture: np.ndarray, ox: int, oy: int) -> None:
    """Put `picture` on `frame` with its top left corner at (ox, oy), clipped to the frame."""
    height, width = frame.shape[:2]
    sx0, sy0 = max(0, -ox), max(0, -oy)
    dx0, dy0 = max(0, ox), max(0, oy)
    cw = min(picture.shape[1] - sx0, width - dx0)
    ch = min(picture.shape[0] - sy0, height - dy0)
    if cw > 0 and ch > 0:
        frame[dy0:dy0 + ch, dx0:dx0 + cw] = picture[sy0:sy0 + ch, sx0:sx0 + cw]


def _noisy(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.integers(-3, 4, size=(HEIGHT // 4, WIDTH // 4, 1), dtype=np.int16)
    noise = np.repeat(np.repeat(noise, 4, axis=0), 4, axis=1)
    return np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def static_frames(seconds: float, seed: int = 0) -> Iterator[np.ndarray]:
    """A scene where nothing moves, with sensor noise: the motion gate should skip it."""
    rng = np.random.default_rng(seed + 2)
    scene = background(seed)
    for _ in range(round(seconds * FPS)):
        yield _noisy(scene, rng)


def build_clip(folder: Path, cars: list[Car], seed: int = 0) -> DriveByClip:
    """Encode (or reuse, keyed by content) the drive-by clip of `cars`."""
    from clips import encode_frames

    key = hashlib.sha1(json.dumps([str(c.file) for c in cars] + [seed]).encode()).hexdigest()[:12]
    path = folder / f"driveby-{key}.mp4"
    frames, passes = drive_by_frames(cars, seed)
    duration = len(cars) * (CAR_SECONDS + GAP_SECONDS)
    if not path.exists():
        tmp = path.with_name("tmp-" + path.name)
        encode_frames(tmp, frames, fps=FPS, bitrate=2_000_000)
        tmp.replace(path)
    return DriveByClip(path, passes, duration)


def decode(path: Path, every: int = 1) -> Iterator[tuple[float, np.ndarray]]:
    """(seconds from the start, BGR frame) for every `every`-th frame of a clip."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            if index % every == 0:
                yield float(frame.time), frame.to_ndarray(format="bgr24")


def passes_json(clip: DriveByClip) -> str:
    return json.dumps([asdict(p) for p in clip.passes])


@dataclass(frozen=True)
class ClipFrame:
    """The recorder's frame-tap Frame, as far as plate reading uses it."""

    camera: str
    wall_time: float  # epoch seconds UTC
    image: np.ndarray
    seq: int
    clock_shift: float = 0.0
    motion: float = 0.0

    @property
    def grey(self) -> np.ndarray:
        return cv2.cvtColor(self.image, cv2.COLOR_BGR2GRAY)

    @property
    def pixels(self) -> np.ndarray:
        return self.image

    def detached(self) -> ClipFrame:
        return self


class ClipTap:
    """Plays a clip file in real time as a camera's frame tap (for tests that run without RTSP): frames
    at the subscribed rate, a bounded queue that drops the oldest frame when the consumer is slow. With
    a `motion` test, only the frames it finds moving (every sampled frame is decoded and looked at: the
    recorder's tap decodes fewer, recorder/tap_decoder.py); with `deliver`, frames go to it from the
    player's thread instead of the queue."""

    def __init__(self, camera: str, path: Path, *, loops: int = 1, start_now: bool = True):
        self.camera, self.path, self.loops = camera, path, loops
        self.go = threading.Event()  # playing starts when set (a test waits for the workers first)
        self.finished = threading.Event()
        self.subscriptions: list[ClipSubscription] = []  # for tests that count what was offered
        self.clock_shift = 0.0  # set it to step the wall clock, as the recorder's tap would after a step
        if start_now:
            self.go.set()

    def subscribe(
        self, fps: float, *, queue_size: int = 2, name: str = "", motion=None, deliver=None
    ) -> ClipSubscription:
        subscription = ClipSubscription(self.camera, fps, queue_size, motion, deliver)
        self.subscriptions.append(subscription)
        threading.Thread(target=self._play, args=(subscription,), daemon=True).start()
        return subscription

    def _play(self, subscription: ClipSubscription) -> None:
        self.go.wait()
        start_wall, start = time.time(), time.monotonic()
        every = max(1, round(FPS / subscription.fps))
        seq, offset = 0, 0.0
        for _ in range(self.loops):
            last = 0.0
            for t, image in decode(self.path, every=every):
                if subscription.closed:
                    return
                delay = start + offset + t - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                shift = self.clock_shift
                wall_time = start_wall + offset + t + shift
                frame = ClipFrame(self.camera, wall_time, image, seq, shift)
                moved = subscription.motion.look(frame) if subscription.motion is not None else 1.0
                if moved > 0:
                    subscription.put(replace(frame, motion=moved))
                seq, last = seq + 1, t
            offset += last + every / FPS
        self.finished.set()


class ClipSubscription:
    def __init__(self, camera: str, fps: float, queue_size: int, motion=None, deliver=None):
        self.camera, self.fps, self.motion, self.deliver = camera, fps, motion, deliver
        self.delivered = self.dropped = 0
        self.closed = False
        self._frames: deque[ClipFrame] = deque(maxlen=queue_size)
        self._ready = threading.Condition()

    def put(self, frame: ClipFrame) -> None:
        if self.deliver is not None:  # as the recorder's tap: straight to the consumer, no queue
            self.delivered += 1
            self.deliver(frame)
            return
        with self._ready:
            if len(self._frames) == self._frames.maxlen:
                self.dropped += 1
            self._frames.append(frame)
            self._ready.notify()

    def get(self, timeout: float | None = None) -> ClipFrame | None:
        with self._ready:
            if not self._frames:
                self._ready.wait(timeout)
            if not self._frames:
                return None
            self.delivered += 1
            return self._frames.popleft()

    def close(self) -> None:
        self.closed = True


def score(sightings: list[tuple[str, str, float]], clips: dict[str, DriveByClip]) -> dict[str, float]:
    """Sightings (camera, plate, first_seen) against the cars of each camera's clip.

    A sighting belongs to the clip car whose plate it resembles most (similarity >= 0.5, the grouping's
    measure), else it matches no car. A car's sightings more than half a clip apart are separate passes
    (the RTSP server loops the clip). Returns sightings per car pass and the worst clip's count of
    sightings that match no car.
    """
    from plate_index.grouping import similarity

    per_car: dict[tuple[str, str], list[float]] = {}
    stray: dict[str, int] = {camera: 0 for camera in clips}
    for camera, plate, first_seen in sightings:
        cars = {p.plate for p in clips[camera].passes}
        best = max(cars, key=lambda car: similarity(plate, car))
        if similarity(plate, best) < 0.5:
            stray[camera] += 1
            continue
        per_car.setdefault((camera, best), []).append(first_seen)
    passes = 0
    for times in per_car.values():
        times.sort()
        gap = clips[next(iter(clips))].duration / 2
        passes += 1 + sum(1 for a, b in zip(times, times[1:], strict=False) if b - a > gap)
    attributed = sum(len(times) for times in per_car.values())
    return {
        "sightings_per_pass": attributed / passes if passes else 0.0,
        "passes": passes,
        "stray_max_per_clip": max(stray.values(), default=0),
    }


def make_test_clips(plates_dir: Path, model_dir: Path, folder: Path) -> list[DriveByClip]:
    """Two clips of 8 cars each, picked across the photo set among the cars the models read on stills
    (encoded once into `folder`, reused by every test module of the session)."""
    from edge.config import LprConfig
    from plate_index.models import build_alpr
    from plate_index.recognise import Recogniser

    recogniser = Recogniser(build_alpr(LprConfig(model_dir=str(model_dir))), 0.5)
    cars = readable(load_cars(plates_dir)[::7], recogniser)
    assert len(cars) >= 2 * CARS_PER_CLIP, "too few photos read correctly to build the test clips"
    folder.mkdir(parents=True, exist_ok=True)
    return [build_clip(folder, cars[i::2][:CARS_PER_CLIP], seed=i) for i in range(2)]
