"""edge.memory: glibc takes both allocator settings the daemon and its LPR workers rely on."""

from __future__ import annotations

import platform

import pytest

from edge.memory import keep_pictures_off_the_heap


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the settings are glibc's (Debian has it)")
def test_glibc_accepts_the_mmap_threshold_and_the_arena_cap():
    # mallopt answers 0 for an option or value it rejects, and the function then says False.
    assert keep_pictures_off_the_heap() is True
