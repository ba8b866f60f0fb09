"""Reading the top-level box structure of a fragmented MP4, to cut a damaged file back to what plays.

A segment is `ftyp moov (moof mdat)* [mfra]`. After kill -9, a power cut or a full disk, the tail may
be a half-written fragment or zeros. `trim` keeps everything up to the end of the last complete
moof+mdat pair and cuts the rest, so the file decodes without a single error. Only box headers are
read (a few bytes per second of video), so checking a file is cheap.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

NEUTRAL = {"ftyp", "free", "skip", "wide", "sidx", "prft", "styp", "uuid", "mfra", "meta"}


@dataclass(frozen=True)
class FragmentScan:
    size: int  # bytes in the file
    playable_end: int  # bytes worth keeping: up to the last complete fragment (0 = nothing playable)
    fragments: int  # complete moof+mdat pairs

    @property
    def damaged(self) -> bool:
        return self.playable_end < self.size


@dataclass(frozen=True)
class Box:
    type: str
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def boxes(handle: BinaryIO, start: int = 0, limit: int | None = None) -> Iterator[Box]:
    """Complete top-level boxes from `start`; stops at the first box not yet fully written."""
    if limit is None:
        handle.seek(0, 2)
        limit = handle.tell()
    offset = start
    while offset + 8 <= limit:
        handle.seek(offset)
        size, kind = struct.unpack(">I4s", handle.read(8))
        if size == 1:
            if offset + 16 > limit:
                return
            size = struct.unpack(">Q", handle.read(8))[0]
        if size < 8 or offset + size > limit:
            return  # size 0 (to end of file) never occurs in fragmented files; an unfinished box
        yield Box(kind.decode("latin-1"), offset, size)
        offset += size


def scan(path: Path) -> FragmentScan:
    """Walk the top-level boxes; stop at the first one that is unknown, malformed or cut off.

    A plain (unfragmented) MP4 with its moov and mdat complete counts as playable as a whole.
    """
    size = path.stat().st_size
    moov = plain_mdat = pending_moof = False
    good_end = fragments = 0
    with path.open("rb") as f:
        for box in boxes(f, limit=size):
            if box.type == "moof" and not pending_moof:
                pending_moof = True
            elif box.type == "mdat" and pending_moof:
                pending_moof = False
                fragments += 1
            elif pending_moof:
                break  # a fragment's header without its data
            elif box.type == "moov":
                moov = True
            elif box.type == "mdat":
                plain_mdat = True
            elif box.type not in NEUTRAL:
                break
            if not pending_moof:
                good_end = box.end
    playable = moov and (fragments > 0 or plain_mdat)
    return FragmentScan(size=size, playable_end=good_end if playable else 0, fragments=fragments)


def trim(path: Path) -> FragmentScan:
    """Cut the file after its last complete fragment (and sync it); returns the scan after trimming."""
    found = scan(path)
    if found.damaged and found.playable_end:
        with path.open("r+b") as f:
            f.truncate(found.playable_end)
            os.fsync(f.fileno())
        end = found.playable_end
        return FragmentScan(size=end, playable_end=end, fragments=found.fragments)
    return found


def sync(path: Path) -> None:
    """Push a file's written data to the disk (any descriptor of the inode will do), so a power cut
    cannot leave a finished segment half on disk. Missing files are ignored."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
