"""The aiming aid's verdict: from the plates seen on a camera, what to change first, and how.

The thresholds are measured, not guessed: bench/aim_curve.py puts every dev photo's plate at a chosen
width, blur and tilt and counts how often the OCR still reads it exactly (docs/aiming.md has the
curves). A limit is where fewer than 90 % of the plates the models read at a good look are still read.
The width a plate needs also depends on the picture's width, because the detector sees every frame
scaled to 416 px: in a 1920 px picture a plate shrinks 4.6 times before the detector boxes it.

Advice is data (a code and its figures); webui.aim_texts words it, in English for the CLI and in the
reader's language on the web page.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

# --- measured by bench/aim_curve.py on 205 dev photos (docs/aiming.md) ---
MIN_WIDTH_OCR = 100  # px: narrower plates are read < 90 % of the time (1280x720: 90 px 87 %, 100 px 91 %)
# In a 1920x1080 picture plates need 140 px (120 px: 81 %, 140 px: 91 %): the detector sees the frame
# scaled to 416 px, so its boxes (the OCR's crops) get coarser as the picture gets wider.
MIN_WIDTH_1080P = 140
MAX_BLUR_SHARE = 0.04  # blur as a share of the plate's width: 3-4 % read 91 %, 4-5 % read 76 %
MAX_TILT = 20.0  # degrees: 15-20 read 95 %, 20-25 read 88 %
# --- rules of thumb ---
# A camera is good when the OCR reads at least this share of the frames its plates are seen on: a
# car that is in view for two or three frames only is then still read.
GOOD_SHARE = 0.8
MAX_GOP_SECONDS = 4.0
MIN_FPS = 10.0
PLATE_METRES = 0.52  # a Ukrainian (and EU) plate is 520 mm wide
NIGHT_BRIGHTNESS = 60  # mean grey level of a frame below which it is night (or an IR picture)


def min_plate_width(frame_width: int) -> int:
    """The narrowest plate, in pixels of a `frame_width`-px picture, that is still read 90 % of the time:
    100 px up to 1280 px pictures, then growing with the picture's width (140 px at 1920)."""
    return max(MIN_WIDTH_OCR, round(MIN_WIDTH_1080P * frame_width / 1920))


def widest_view_metres(frame_width: int) -> float:
    """How wide the picture may be, in metres where the plates pass, for plates to be wide enough."""
    return frame_width / min_plate_width(frame_width) * PLATE_METRES


@dataclass(frozen=True)
class PassFacts:
    """What the aid measured on one plate's pass (at its widest view)."""

    width: int  # px
    tilt: float  # degrees
    blur: float  # px
    blur_share: float  # blur / width
    motion_blur: bool
    night: bool
    read: bool  # the OCR read it on at least one frame
    confidence: float  # its best frame's
    views: int = 1  # frames it was detected on
    views_read: int = 0  # ... and read on
    need: int = MIN_WIDTH_OCR  # the width plates need in its picture (min_plate_width)


@dataclass(frozen=True)
class StreamFacts:
    width: int
    height: int
    fps: float | None
    gop_seconds: float | None


@dataclass(frozen=True)
class Advice:
    code: str  # good, no_plates, zoom, motion_blur, focus_blur, tilt, gop, fps, unread
    values: dict = field(default_factory=dict)


def verdict(passes: list[PassFacts], stream: StreamFacts, minutes: float) -> list[Advice]:
    """The fixes, most important first; `good` alone when nothing needs changing."""
    out: list[Advice] = []
    if stream.gop_seconds is not None and stream.gop_seconds > MAX_GOP_SECONDS:
        out.append(Advice("gop", {"seconds": stream.gop_seconds}))
    if stream.fps is not None and stream.fps < MIN_FPS:
        out.append(Advice("fps", {"fps": stream.fps, "need": MIN_FPS}))
    need = min_plate_width(stream.width)
    if not passes:
        return [Advice("no_plates", {"minutes": minutes}), *out]
    seen, read = len(passes), sum(1 for p in passes if p.read)
    frames_read = sum(p.views_read for p in passes) / max(1, sum(p.views for p in passes))
    width = round(statistics.median(p.width for p in passes))
    fixes: list[Advice] = []
    if width < need:
        fixes.append(Advice("zoom", {"width": width, "need": need}))
    # Blur is judged on plates wide enough only: that is where its limit was measured, and a sharp edge
    # is ~2.4 px whatever the plate's width, which is already 4 % of a 60 px plate.
    wide = [p for p in passes if p.width >= need]
    blurred = [p for p in wide if p.blur_share > MAX_BLUR_SHARE]
    if len(blurred) * 2 > len(wide):
        motion = sum(1 for p in blurred if p.motion_blur) * 2 > len(blurred)
        night = sum(1 for p in blurred if p.night) * 2 > len(blurred)
        values = {"blur": statistics.median(p.blur for p in blurred),
                  "share": statistics.median(p.blur_share for p in blurred) * 100, "night": night}
        fixes.append(Advice("motion_blur" if motion else "focus_blur", values))
    tilt = statistics.median(abs(p.tilt) for p in passes)
    if tilt > MAX_TILT:
        fixes.append(Advice("tilt", {"angle": tilt, "limit": MAX_TILT}))
    if not fixes and frames_read < GOOD_SHARE:
        fixes.append(Advice("unread", {"read": read, "seen": seen, "frames": frames_read * 100}))
    if not fixes and not out:
        return [Advice("good", {"read": read, "seen": seen, "width": width, "frames": frames_read * 100})]
    return fixes + out
