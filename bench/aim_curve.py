"""The aiming aid's thresholds: OCR accuracy against plate width, blur and tilt, on the dev photos.

Each labelled photo of ../shared/plates is put on the drive-by clips' roadside scene (tests/aim_clips.py)
with its plate at a chosen width, blurred (horizontal motion, or focus) or tilted, and read by Dozor's
own pipeline (plate_index.recognise, the production models and settings). A plate counts as read when
the OCR's confident read is exactly its label. The denominator is the photos read at the reference
look (160 px wide, sharp, level, in 1280x720), so every figure says what a worse look costs.

The aid measures width, blur and tilt on the detector's crop (plate_index.plate_quality), so besides
the sweeps by what was done to the picture, accuracy is also tabled by what the aid *measured*: those
bins are what its thresholds apply to. Results: bench/out/aim_curve.json and Markdown tables on stdout
(docs/aiming.md has them). Last line: `aim min_width=W min_width_1080p=W2 max_blur_share=B max_tilt=T`.

    DOZOR_SHARED_DIR=../shared DOZOR_MODEL_DIR=../shared/models .venv/bin/python bench/aim_curve.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import cv2  # noqa: E402
from aim_clips import Look, scene_of_size, still  # noqa: E402
from plate_clips import Car, load_cars, readable  # noqa: E402

from edge.config import LprConfig  # noqa: E402
from plate_index.models import build_alpr  # noqa: E402
from plate_index.plate_quality import measure_plate  # noqa: E402
from plate_index.recognise import Recogniser  # noqa: E402

REFERENCE = Look(160)
WIDTHS = (40, 50, 60, 70, 80, 90, 100, 110, 120, 140, 160, 200)
BLUR_WIDTHS = (100, 140, 200)
MOTION_SHARES = (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10)  # smear length / plate width
FOCUS_SHARES = (0.005, 0.01, 0.015, 0.02, 0.03)  # Gaussian sigma / plate width
TILTS = (5, 10, 15, 20, 25, 30, 35)
GOOD = 0.9  # a look is good enough while >= 90 % of the reference set is read
BLUR_BINS = (0.0, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.12, 1.0)
TILT_BINS = (0, 5, 10, 15, 20, 25, 30, 45)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=2, help="use every N-th labelled photo (1 = all)")
    parser.add_argument("--threads", type=int, default=1,
                        help="ONNX Runtime threads (1: two threads on two busy cores spin more than gain)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "aim_curve.json")
    parser.add_argument("--tables-from", type=Path, help="only print the tables of an earlier run's JSON")
    args = parser.parse_args()
    if args.tables_from:
        saved = json.loads(args.tables_from.read_text())
        thresholds = report(saved["samples"], saved["photos"])
        print("aim " + " ".join(f"{k}={v}" for k, v in thresholds.items()))
        return 0
    shared = Path(os.environ.get("DOZOR_SHARED_DIR", REPO.parent / "shared"))
    lpr = LprConfig(model_dir=str(shared / "models"), threads_per_worker=args.threads)
    recogniser = Recogniser(build_alpr(lpr), lpr.min_read_confidence)
    began = time.monotonic()
    cars = reference_set(readable(load_cars(shared / "plates")[:: args.every], recogniser), recogniser)
    print(f"{len(cars)} photos read at the reference look ({REFERENCE.width:g} px, sharp, level)", flush=True)
    samples = sweep(cars, recogniser)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"photos": len(cars), "samples": samples}, indent=1))
    thresholds = report(samples, len(cars))
    print(f"({len(samples)} pictures read in {time.monotonic() - began:.0f} s)")
    print("aim " + " ".join(f"{k}={v}" for k, v in thresholds.items()))
    return 0


def reference_set(cars: list[Car], recogniser: Recogniser) -> list[Car]:
    scene = scene_of_size(1280, 720)
    return [car for car in cars if read_look(recogniser, scene, car, REFERENCE)["exact"]]


def sweep(cars: list[Car], recogniser: Recogniser) -> list[dict]:
    looks: list[tuple[str, tuple[int, int], Look]] = []
    for size in ((1280, 720), (1920, 1080)):
        looks += [("width", size, Look(w)) for w in WIDTHS]
    for width in BLUR_WIDTHS:
        looks += [("motion", (1280, 720), Look(width, motion_blur=s * width)) for s in MOTION_SHARES]
    looks += [("focus", (1280, 720), Look(140, focus_blur=s * 140)) for s in FOCUS_SHARES]
    looks += [("tilt", (1280, 720), Look(140, tilt=t)) for t in TILTS]
    scenes = {size: scene_of_size(*size) for size in ((1280, 720), (1920, 1080))}
    samples = []
    for kind, size, look in looks:
        for car in cars:
            sample = read_look(recogniser, scenes[size], car, look)
            samples.append({"kind": kind, "frame": f"{size[0]}x{size[1]}", **asdict(look), **sample})
        done = [s for s in samples if s["kind"] == kind and s["frame"] == f"{size[0]}x{size[1]}"
                and s["width"] == look.width and s["motion_blur"] == look.motion_blur
                and s["focus_blur"] == look.focus_blur and s["tilt"] == look.tilt]
        print(f"  {kind:6} {size[0]}x{size[1]} {look.label():24} read {share(done):5.1%}", flush=True)
    return samples


PHOTOS: dict[Path, object] = {}  # decoded once: decoding a 1280x1280 JPEG costs as much as reading it


def read_look(recogniser: Recogniser, scene, car: Car, look: Look) -> dict:
    """Read one picture; the detection nearest the plate's place is the plate."""
    if car.file not in PHOTOS:
        PHOTOS[car.file] = cv2.imread(str(car.file))
    frame = still(scene, car, look, PHOTOS[car.file])
    plates = recogniser.analyse_frame(frame, "bench", 0.0)
    centre = (frame.shape[1] / 2, frame.shape[0] * 0.6)
    found = [p for p in plates if p.box[0] <= centre[0] <= p.box[2] and p.box[1] <= centre[1] <= p.box[3]]
    if not found:
        return {"detected": False, "exact": False}
    plate = max(found, key=lambda p: p.detector_confidence)
    x1, y1, x2, y2 = plate.box
    quality = measure_plate(frame[y1:y2, x1:x2])
    return {
        "detected": True,
        "exact": plate.read is not None and plate.read.read.text == car.plate,
        "confident": plate.read is not None,
        "ocr_confidence": round(plate.ocr_confidence, 3),
        "measured_width": quality.width,
        "measured_blur_share": round(quality.blur_share, 4),
        "measured_tilt": quality.tilt,
        "motion": quality.motion_blur,
    }


def share(samples: list[dict], key: str = "exact") -> float:
    return sum(1 for s in samples if s.get(key)) / len(samples) if samples else 0.0


def report(samples: list[dict], photos: int) -> dict[str, float]:
    def of(kind: str, **match) -> list[dict]:
        return [s for s in samples if s["kind"] == kind and all(s[k] == v for k, v in match.items())]

    print(f"\n### Plate width (sharp, level; {photos} photos)\n")
    print("| width px | detected 1280x720 | read 1280x720 | detected 1920x1080 | read 1920x1080 |")
    print("|---:|---:|---:|---:|---:|")
    for w in WIDTHS:
        small, big = of("width", width=w, frame="1280x720"), of("width", width=w, frame="1920x1080")
        print(f"| {w} | {share(small, 'detected'):.0%} | {share(small):.0%} "
              f"| {share(big, 'detected'):.0%} | {share(big):.0%} |")
    def narrowest_good(frame: str) -> int:
        return next(w for w in WIDTHS if all(share(of("width", width=v, frame=frame)) >= GOOD
                                             for v in WIDTHS if v >= w))

    min_width, min_width_1080p = narrowest_good("1280x720"), narrowest_good("1920x1080")

    print("\n### Horizontal motion blur (smear length as a share of the plate's width)\n")
    print("| smear | " + " | ".join(f"read at {w} px" for w in BLUR_WIDTHS) + " | measured blur share |")
    print("|---:|" + "---:|" * (len(BLUR_WIDTHS) + 1))
    for s in MOTION_SHARES:
        rows = [of("motion", width=w, motion_blur=s * w) for w in BLUR_WIDTHS]
        measured = [x["measured_blur_share"] for r in rows for x in r if x["detected"]]
        print(f"| {s:.0%} | " + " | ".join(f"{share(r):.0%}" for r in rows)
              + f" | {statistics.median(measured):.3f} |")
    print("\n### Focus blur (Gaussian sigma as a share of the plate's width, 140 px plates)\n")
    print("| sigma | read | measured blur share |\n|---:|---:|---:|")
    for s in FOCUS_SHARES:
        rows = of("focus", focus_blur=s * 140)
        measured = [x["measured_blur_share"] for x in rows if x["detected"]]
        print(f"| {s:.1%} | {share(rows):.0%} | {statistics.median(measured):.3f} |")
    print("\n### Tilt (140 px plates)\n")
    print("| tilt | read | measured tilt (median) |\n|---:|---:|---:|")
    for t in TILTS:
        rows = of("tilt", tilt=t)
        measured = [x["measured_tilt"] for x in rows if x["detected"]]
        print(f"| {t} deg | {share(rows):.0%} | {statistics.median(measured):.1f} |")

    # By what the aid measures: plates wide enough, level (for blur) or sharp (for tilt).
    wide = [s for s in samples if s["detected"] and s["measured_width"] >= min_width]
    blur_rows = [s for s in wide if s["kind"] in ("width", "motion", "focus")]
    max_blur = binned("measured blur share", blur_rows, "measured_blur_share", BLUR_BINS, "{:.0%}")
    tilt_rows = [s for s in wide if s["kind"] in ("width", "tilt") and s["frame"] == "1280x720"]
    max_tilt = binned("measured tilt, degrees", tilt_rows, "measured_tilt", TILT_BINS, "{:g}", absolute=True)
    return {"min_width": min_width, "min_width_1080p": min_width_1080p, "max_blur_share": max_blur,
            "max_tilt": max_tilt}


def binned(title: str, rows: list[dict], key: str, edges: tuple, fmt: str, absolute: bool = False) -> float:
    """Accuracy per bin of a measured figure; returns the upper edge of the last bin, counted from
    the start, up to which every bin reads >= GOOD."""
    print(f"\n### Read by {title} (detected plates at least the minimum width)\n")
    print("| measured | plates | read |\n|---|---:|---:|")
    limit = edges[0]
    still_good = True
    for low, high in zip(edges, edges[1:], strict=False):
        inside = [r for r in rows if low <= (abs(r[key]) if absolute else r[key]) < high]
        if not inside:
            continue
        accuracy = share(inside)
        print(f"| {fmt.format(low)} to {fmt.format(high)} | {len(inside)} | {accuracy:.0%} |")
        if still_good and accuracy >= GOOD:
            limit = high
        else:
            still_good = False
    return limit


if __name__ == "__main__":
    cv2.setNumThreads(1)
    sys.exit(main())
