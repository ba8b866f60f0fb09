"""Reading fragmented MP4 files as the recorder writes them: top-level boxes, the init segment
(ftyp + moov), the codec string a browser's MediaSource needs, and the newest complete fragments.

The box walk itself is recorder.mp4_fragments' (the recorder's recovery reads the same files). This is
what lets the live view send the camera's own H.264 to the browser at full frame rate without
decoding or encoding anything: it tails the segment file the recorder is writing and forwards whole
moof+mdat fragments as they are completed.
"""

from __future__ import annotations

from pathlib import Path

from recorder.mp4_fragments import Box, boxes


def init_segment(path: Path) -> bytes | None:
    """ftyp + moov of a fragmented MP4, or None if the file has not got that far yet."""
    with path.open("rb") as handle:
        for box in boxes(handle):
            if box.type == "moov":
                handle.seek(0)
                return handle.read(box.end)
            if box.type in ("moof", "mdat"):
                return None
    return None


def codec_string(init: bytes) -> str | None:
    """The RFC 6381 codec of the first video track ("avc1.64001f", "hvc1..."), for MediaSource."""
    index = init.find(b"avcC")
    if index >= 0 and index + 8 <= len(init):
        profile, compat, level = init[index + 5], init[index + 6], init[index + 7]
        return f"avc1.{profile:02x}{compat:02x}{level:02x}"
    if init.find(b"hvcC") >= 0:
        return "hvc1.1.6.L93.B0"
    return None


def fragments_from(path: Path, offset: int) -> tuple[list[tuple[int, int]], int]:
    """Byte ranges of the complete moof+mdat pairs from `offset`, and the offset after the last one."""
    ranges: list[tuple[int, int]] = []
    with path.open("rb") as handle:
        pending: Box | None = None
        for box in boxes(handle, offset):
            if box.type == "moof":
                pending = box
            elif box.type == "mdat" and pending is not None:
                ranges.append((pending.offset, box.end))
                offset = box.end
                pending = None
    return ranges, offset


def last_fragment_offset(path: Path) -> int:
    """Where the newest complete fragment starts (a live view begins there, at a keyframe)."""
    ranges, end = fragments_from(path, 0)
    return ranges[-1][0] if ranges else end
