"""pytest plugin: the aiming aid's test clips, made once per session (tests/aim_clips.py).

`aim_clip_set` is three drive-by clips of the same four dev photos, which the models read on the
stills: plates 150 px wide and sharp, 55 px wide, and 150 px smeared by 12 px of motion. The aid's
acceptance test uses all three, the web page's test the sharp one.
"""

from __future__ import annotations

import pytest
from aim_clips import Look, build_aim_clip

AIM_LOOKS = {
    "sharp": Look(150),
    "small": Look(55),
    "smeared": Look(150, motion_blur=12),
}
AIM_CARS = 4


@pytest.fixture(scope="session")
def aim_recogniser(model_dir):
    from edge.config import LprConfig
    from plate_index.models import build_alpr
    from plate_index.recognise import Recogniser

    return Recogniser(build_alpr(LprConfig(model_dir=str(model_dir), threads_per_worker=1)), 0.5)


@pytest.fixture(scope="session")
def aim_clip_set(plates_dir, aim_recogniser, tmp_path_factory):
    from plate_clips import load_cars, readable

    cars = readable(load_cars(plates_dir)[::23], aim_recogniser)[:AIM_CARS]
    assert len(cars) == AIM_CARS
    folder = tmp_path_factory.mktemp("aim-clips")
    return {name: build_aim_clip(folder, cars, look) for name, look in AIM_LOOKS.items()}
