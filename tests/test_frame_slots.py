"""Frame slots: a decoded frame crosses to the LPR worker as its 4:2:0 planes (half the shared memory of
BGR in both processes) and the worker reads exactly the BGR picture the daemon would have made."""

from __future__ import annotations

import av
import cv2
import numpy as np

from plate_index.slots import SLOT_BYTES, FrameSlots
from recorder.frames import Frame, YuvCopy


def _decoded_frames(clip, count: int) -> list[Frame]:
    frames = []
    with av.open(str(clip)) as container:
        for i, picture in enumerate(container.decode(video=0)):
            frames.append(Frame("cam", 1000.0 + i / 25, picture, i).detached())
            if len(frames) == count:
                break
    return frames


def test_a_decoded_frame_goes_as_planes_and_the_worker_reads_the_same_bgr(test_clip):
    clip = test_clip(seconds=1, width=1280, height=720)
    slots = FrameSlots(2)
    try:
        for frame in _decoded_frames(clip, 3):
            assert isinstance(frame.picture, YuvCopy)
            shape = slots.write(0, frame.pixels)
            assert shape == (1080, 1280), "4:2:0 planes, one under the other"
            assert np.prod(shape) == 1280 * 720 * 3 // 2, "half the bytes of the BGR frame"
            image = slots.image(0, shape)
            assert image.shape == (720, 1280, 3)
            assert np.array_equal(image, cv2.cvtColor(frame.pixels, cv2.COLOR_YUV2BGR_I420)), (
                "the models read what OpenCV makes of the decoder's picture")
    finally:
        slots.close()


def test_bgr_frames_are_read_in_place_and_pictures_too_big_for_a_slot_are_scaled_to_4k():
    slots = FrameSlots(1)
    try:
        image = np.random.default_rng(1).integers(0, 255, (360, 640, 3), dtype=np.uint8)
        shape = slots.write(0, image)
        assert shape == (360, 640, 3)
        view = slots.image(0, shape)
        assert np.array_equal(view, image) and np.shares_memory(view, slots.view(0, shape))

        huge = np.zeros((4320 * 3 // 2, 7680), dtype=np.uint8)  # an 8K picture's planes: more than a slot
        assert huge.nbytes > SLOT_BYTES
        assert slots.write(0, huge) == (2160, 3840, 3)
    finally:
        slots.close()
