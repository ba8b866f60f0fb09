"""One frame in, plate reads out: fast-alpr's detector + OCR, filtered and normalised for grouping.

Shared by the LPR worker and `dozor lpr` (stills), so both see the same reads. Reads below
`lpr.min_read_confidence` (mean character confidence) or shorter than three characters (not searchable)
are dropped here, before they can start a sighting.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np

from plate_index.grouping import PlateRead
from plate_index.normalise import normalise

MIN_PLATE_CHARS = 3


@dataclass(frozen=True)
class FrameRead:
    """A read and the pixels of its plate (a copy: the frame buffer is reused)."""

    read: PlateRead
    detector_confidence: float
    crop: np.ndarray


@dataclass(frozen=True)
class PlateSeen:
    """A plate the detector found on a frame, whether the OCR could read it or not: counting passes
    and aiming a camera need the unread ones too."""

    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in the frame
    detector_confidence: float
    ocr_confidence: float  # mean character confidence of whatever the OCR made of it (0 = nothing)
    read: FrameRead | None  # the read, when confident and long enough to search for

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


class Recogniser:
    def __init__(self, alpr: Any, min_read_confidence: float):
        self.alpr = alpr
        self.min_read_confidence = min_read_confidence

    def read_frame(self, image: np.ndarray, camera: str, time: float) -> list[FrameRead]:
        """Every plate read on `image` (BGR) that is confident enough, most confident first."""
        reads = [plate.read for plate in self.analyse_frame(image, camera, time) if plate.read]
        reads.sort(key=lambda r: -r.read.confidence)
        return reads

    def analyse_frame(self, image: np.ndarray, camera: str, time: float) -> list[PlateSeen]:
        """Every plate the detector found on `image` (BGR), with its read when there is one."""
        out = []
        height, width = image.shape[:2]
        for result in self.alpr.predict(image):
            box = result.detection.bounding_box
            x1, y1 = max(0, box.x1), max(0, box.y1)
            x2, y2 = min(width, box.x2), min(height, box.y2)
            detector_confidence = float(result.detection.confidence)
            ocr = result.ocr
            if ocr is None or not ocr.text:
                out.append(PlateSeen((x1, y1, x2, y2), detector_confidence, 0.0, None))
                continue
            text = normalise(ocr.text)
            # One confidence per OCR slot, padding slots included: keep the text's own characters.
            raw = ocr.confidence
            if not isinstance(raw, list):
                raw = [float(raw)] * len(ocr.text)
            chars = tuple(raw[: len(ocr.text)])
            confidence = statistics.fmean(chars) if chars else 0.0
            frame_read = None
            if len(text) >= MIN_PLATE_CHARS and confidence >= self.min_read_confidence:
                read = PlateRead(
                    camera=camera, time=time, text=text, char_confidences=chars,
                    confidence=confidence, region=ocr.region, region_confidence=ocr.region_confidence,
                    box=(x1, y1, x2, y2), frame_width=width,
                )
                frame_read = FrameRead(read=read, detector_confidence=detector_confidence,
                                       crop=image[y1:y2, x1:x2].copy())
            out.append(PlateSeen((x1, y1, x2, y2), detector_confidence, confidence, frame_read))
        return out
