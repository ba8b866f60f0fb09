"""The motion gate: still scenes (with sensor noise) are skipped, moving cars pass, the mask is honoured."""

from __future__ import annotations

import numpy as np
from plate_clips import background, static_frames

from edge.config import MotionConfig
from plate_index.motion import MotionGate


def _with_car(scene, x, y=400, size=(160, 120)):
    frame = scene.copy()
    frame[y:y + size[1], x:x + size[0]] = (25, 25, 25)  # a dark car on a grey road
    return frame


def test_still_scene_with_noise_is_skipped_after_the_first_frame():
    gate = MotionGate(MotionConfig())
    frames = list(static_frames(20))[::5]
    passed = [gate.moving(f) for f in frames]
    assert passed[0] is True and sum(passed[1:]) == 0


def test_a_car_crossing_the_picture_passes_every_frame_it_moves_in():
    gate = MotionGate(MotionConfig())
    scene = background()
    gate.moving(scene)
    assert all(gate.moving(_with_car(scene, x)) for x in range(1000, 100, -120))


def test_after_the_car_stops_a_few_frames_still_pass_then_none():
    gate = MotionGate(MotionConfig())
    scene = background()
    gate.moving(scene)
    gate.moving(_with_car(scene, 600))
    parked = _with_car(scene, 500)
    results = [gate.moving(parked) for _ in range(6)]
    assert results[0] and results[-1] is False and results.count(True) <= 3


def test_motion_outside_the_mask_is_ignored():
    lower_half = MotionConfig(mask=[(0, 0.5), (1, 0.5), (1, 1), (0, 1)])
    gate = MotionGate(lower_half)
    scene = background()
    gate.moving(scene)
    flag = [_with_car(scene, x, y=40) for x in (100, 300, 500, 700)]
    assert not any(gate.moving(f) for f in flag[1:] + flag[:1])
    assert gate.moving(_with_car(scene, 600, y=500))


def test_disabled_gate_passes_everything():
    gate = MotionGate(MotionConfig(enabled=False))
    still = np.zeros((720, 1280, 3), np.uint8)
    assert all(gate.moving(still) for _ in range(5))
