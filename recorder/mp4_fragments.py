"""Reading the top-level box structure of a fragmented MP4, to cut a damaged file back to what plays.

A segment is `ftyp moov (moof mdat)* [mfra]`. After kill -9, a power cut or a full disk, the tail may
be a half-written fragment or zeros. `trim` keeps everything up to the end of the last complete
moof+mdat pair and cuts the rest, so the file decodes without a single error. Only box headers are
read (a few bytes per second of video), so checking a file is cheap.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

NEUTRAL = {b"ftyp", b"free", b"skip", b"wide", b"sidx", b"prft", b"styp", b"uuid", b"mfra", b"meta"}


@dataclass(frozen=True)
class FragmentScan:
    size: int  # bytes in the file
    playable_end: int  # bytes worth keeping: up to the last complete fragment (0 = nothing playable)
    fragments: int  # complete moof+mdat pairs

    @property
    def damaged(self) -> bool:
        return self.playable_end < self.size


def scan(path: Path) -> FragmentScan:
    """Walk the top-level boxes; stop at the first one that is unknown, malformed or cut off.

    A plain (unfragmented) MP4 with its moov and mdat complete counts as playable as a whole.
    """
    size = path.stat().st_size
    moov = plain_mdat = pending_moof = False
    good_end = fragments = 0
    with path.open("rb") as f:
        offset = 0
        while offset + 8 <= size:
            f.seek(offset)
            box_size, box_type = struct.unpack(">I4s", f.read(8))
            if box_size == 1:
                if offset + 16 > size:
                    break
                box_size = struct.unpack(">Q", f.read(8))[0]
            if box_size < 8 or offset + box_size > size:
                break  # zeros (size 0 = "to the end" is never written by Dozor) or cut off
            if box_type == b"moof" and not pending_moof:
                pending_moof = True
            elif box_type == b"mdat" and pending_moof:
                pending_moof = False
                fragments += 1
            elif pending_moof:
                break  # a fragment's header without its data
            elif box_type == b"moov":
                moov = True
            elif box_type == b"mdat":
                plain_mdat = True
            elif box_type not in NEUTRAL:
                break
            offset += box_size
            if not pending_moof:
                good_end = offset
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
