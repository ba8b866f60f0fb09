"""edge.memory: glibc takes both allocator settings the daemon and its LPR workers rely on, and the
periodic trim really gives freed heap memory back (what the 24-camera soak measures at scale)."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from edge.memory import give_back_free_memory, keep_pictures_off_the_heap

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator (Debian's)")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_glibc_accepts_the_mmap_threshold_and_the_arena_cap():
    # mallopt answers 0 for an option or value it rejects, and the function then says False.
    assert keep_pictures_off_the_heap() is True


def test_freed_pictures_inside_the_heap_go_back_to_the_system_on_the_trim():
    keep_pictures_off_the_heap()  # 64-KiB blocks come from the heap (below the mmap threshold)
    blocks = [b"\x01" * (64 * 1024) for _ in range(2400)]  # 150 MB, touched
    del blocks[:-1]  # freed, but below a block still in use: the heap cannot shrink from its top
    held = _rss_mb()
    give_back_free_memory()
    returned = held - _rss_mb()
    assert returned > 100, f"only {returned:.0f} MB of 150 MB freed went back"
