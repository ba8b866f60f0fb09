"""Splicing encoded clips at keyframes without re-encoding: a long clip from a few short encoded pieces.

Encoding 1280x720 video costs about a second of CPU per second of clip on the development machine, so the
soak's clips are built from pieces encoded once (a car driving by, two seconds of empty road) and put
together here by copying their packets: each piece starts at a keyframe, so the result decodes exactly
as its pieces did, and the RTSP server serves it like any clip. `rotate` starts a clip at one of its
keyframes (the rest follows, then the beginning), so cameras that share a clip do not show the same car
at the same moment.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av

FPS = 25


def splice(path: Path, pieces: list[tuple[Path, int, int]]) -> Path:
    """Write `path` from (clip, first frame, end frame) pieces, each range starting at a keyframe
    (end None-like values are not allowed: give the frame count). Timestamps run on without a gap."""
    partial = path.with_name("tmp-" + path.name)
    with av.open(str(pieces[0][0])) as first, av.open(str(partial), "w") as out:
        stream = out.add_stream_from_template(first.streams.video[0])
        frame = 0
        for source, begin, end in pieces:
            for index, packet in enumerate(_packets(source)):
                if index < begin:
                    continue
                if index >= end:
                    break
                if index == begin and not packet.is_keyframe:
                    raise ValueError(f"{source.name}: frame {begin} is not a keyframe")
                packet.stream = stream
                packet.time_base = Fraction(1, FPS)
                packet.pts = packet.dts = frame
                packet.duration = 1
                out.mux(packet)
                frame += 1
    partial.replace(path)
    return path


def rotate(source: Path, path: Path, start_frame: int) -> Path:
    """`source` played from `start_frame` (a keyframe) to its end, then from its beginning."""
    if path.exists():
        return path
    total = frame_count(source)
    if start_frame % total == 0:
        return splice(path, [(source, 0, total)])
    return splice(path, [(source, start_frame, total), (source, 0, start_frame)])


def frame_count(source: Path) -> int:
    return sum(1 for _ in _packets(source))


def _packets(source: Path):
    with av.open(str(source)) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size:
                yield packet
