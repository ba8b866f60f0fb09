"""Frame slots: a fixed number of frame buffers in shared memory between the daemon and an LPR worker.

The daemon copies a sampled frame into a free slot (~1 ms for 720p) and sends only the slot number over
a queue; the worker reads the pixels in place. The number of slots bounds what can be in flight: when
none is free the frame is dropped and counted, so a slow worker can never make the daemon queue frames
or wait. Slots are sized for 4K; tmpfs only commits the pages a frame actually touches.
"""

from __future__ import annotations

from multiprocessing import shared_memory

import numpy as np

MAX_WIDTH, MAX_HEIGHT = 3840, 2160
SLOT_BYTES = MAX_WIDTH * MAX_HEIGHT * 3


class FrameSlots:
    def __init__(self, count: int, *, name: str | None = None):
        """Create `count` slots (name None), or attach to the block called `name` (in the worker)."""
        self.count = count
        if name is None:
            self._shm = shared_memory.SharedMemory(create=True, size=count * SLOT_BYTES)
            self._owner = True
        else:
            # Spawned workers share the daemon's resource tracker, so attaching registers nothing new
            # and a killed worker leaves the block to the daemon, which unlinks it on stop.
            self._shm = shared_memory.SharedMemory(name=name)
            self._owner = False

    @property
    def name(self) -> str:
        return self._shm.name

    def write(self, index: int, image: np.ndarray) -> tuple[int, int, int]:
        """Copy a BGR frame into slot `index` (downscaled first if larger than 4K); returns its shape."""
        if image.shape[0] > MAX_HEIGHT or image.shape[1] > MAX_WIDTH:
            import cv2

            scale = min(MAX_WIDTH / image.shape[1], MAX_HEIGHT / image.shape[0])
            size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        shape = (int(image.shape[0]), int(image.shape[1]), 3)
        np.copyto(self.view(index, shape), image, casting="unsafe")
        return shape

    def view(self, index: int, shape: tuple[int, int, int]) -> np.ndarray:
        """The frame in slot `index` as an array over the shared memory (no copy)."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        return np.ndarray(shape, dtype=np.uint8, buffer=self._shm.buf, offset=index * SLOT_BYTES)

    def close(self) -> None:
        self._shm.close()
        if self._owner:
            self._shm.unlink()
