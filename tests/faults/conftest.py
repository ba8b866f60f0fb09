"""Fixtures of the fault suite (issue 6): how many times each fault is repeated.

One knob for every fault test: DOZOR_FAULT_ROUNDS. Unset, the suite runs its short form (a few rounds,
inside `make test` and CI); `full` gives the issue's counts (`make faults`, used by `make soak`); a
number forces that many rounds (handy when chasing a flaky round). Helpers such as `recording` and the
`rtsp_server` fixture come from tests/ (its conftest.py and rtsp plugin), as in every other test.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest


@pytest.fixture(scope="session")
def fault_rounds() -> Callable[[int, int], int]:
    """`fault_rounds(full, short)` -> the number of rounds this run repeats a fault."""
    knob = os.environ.get("DOZOR_FAULT_ROUNDS", "").strip().lower()

    def rounds(full: int, short: int) -> int:
        if knob == "full":
            return full
        if knob.isdigit() and int(knob) > 0:
            return int(knob)
        return short

    return rounds


@pytest.fixture(scope="session")
def driveby_clips(plates_dir, model_dir, tmp_path_factory):
    """The two drive-by clips of real car photos (tests/plate_clips.py), encoded once per session into
    the same folder as tests/test_lpr_rtsp.py's, so a full run encodes them once."""
    from plate_clips import make_test_clips

    return make_test_clips(plates_dir, model_dir, tmp_path_factory.getbasetemp() / "driveby")
