"""Give large buffers back to the system as soon as they are freed (glibc's malloc, Linux).

The daemon allocates and frees a few-megabyte picture per camera several times a second (decoded
frames as arrays, live pictures, plate-reading copies). glibc serves blocks above a threshold with
mmap and returns them on free, but it raises that threshold to the largest block freed so far, after
which such pictures come from the heap, whose freed space is kept and fragments: at 24 cameras the
daemon's memory grew by ~90 MB this way (bench/soak.py: 585 MB -> 493 MB with a fixed threshold). A
fixed threshold of 128 KiB keeps pictures on mmap, the planes of a decoded 720p frame too (0.9 MB of
brightness, 0.23 MB of each colour: at 1 MiB these went to the heap, and 24 cameras' keyframe decoders
left up to 130 MB of freed heap between two trims; bench/soak.py --traffic empty); small Python
objects are unaffected.

glibc also gives threads their own heaps ("arenas", up to 8 per core) to avoid lock contention, and each
keeps its own free space. The daemon runs three or four threads per camera, but they take the GIL for
nearly every allocation anyway, so two arenas cost no measurable CPU and save memory (24-camera soak:
daemon 412 -> 389 MB RSS, with its LPR worker 606 -> 584 MB, CPU 1.87 cores either way).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from typing import Any

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
M_ARENA_MAX = -8
THRESHOLD_BYTES = 128 << 10
ARENAS = 2


def keep_pictures_off_the_heap() -> bool:
    """Fix glibc's mmap threshold (disables its dynamic raising) and cap its arenas, before the process
    starts its threads; False where there is no glibc."""
    mallopt = _glibc("mallopt")
    if mallopt is None:
        log.debug("no glibc mallopt here; the allocator keeps its defaults")
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES) == 1 and mallopt(M_ARENA_MAX, ARENAS) == 1


def give_back_free_memory() -> None:
    """Return the free pages inside glibc's heaps to the system (malloc_trim), a job run every 20 s:
    pictures and packets freed between two peaks otherwise stay resident in the heaps' holes."""
    malloc_trim = _glibc("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


@functools.cache
def _glibc(name: str) -> Any:
    """A libc function (a ctypes function pointer), looked up once: find_library runs ldconfig, too
    much to repeat every 20 s. None where there is none."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
