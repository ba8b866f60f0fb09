"""Frame slots: a fixed number of frame buffers in shared memory between the daemon and an LPR worker.

The daemon copies a sampled frame into a free slot (~1 ms for 720p) and sends only the slot number over
a queue; the worker reads the pixels in place. The number of slots bounds what can be in flight: when
none is free the frame is dropped and counted, so a slow worker can never make the daemon queue frames
or wait. Slots are sized for 4K BGR; tmpfs only commits the pages a frame actually touches. A frame the
decoder gave as 4:2:0 planes goes into its slot as they are: half the bytes of BGR, pinned in both
processes (2.8 -> 1.4 MB per 720p slot), and the colour conversion runs in the worker, which reads the
frame as BGR (`image`) with the same conversion the daemon made before.
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

    def write(self, index: int, pixels: np.ndarray) -> tuple[int, ...]:
        """Copy a frame into slot `index`: BGR (H x W x 3, downscaled first if larger than 4K) or a 4:2:0
        picture's planes one under the other (H*3/2 x W, `recorder.frames.YuvCopy`); returns its shape,
        which tells `image` which it is."""
        if pixels.ndim == 2 and pixels.nbytes <= SLOT_BYTES:
            np.copyto(self.view(index, pixels.shape), pixels, casting="unsafe")
            return tuple(int(n) for n in pixels.shape)
        image = pixels if pixels.ndim == 3 else _bgr(pixels)
        if image.shape[0] > MAX_HEIGHT or image.shape[1] > MAX_WIDTH:
            import cv2

            scale = min(MAX_WIDTH / image.shape[1], MAX_HEIGHT / image.shape[0])
            size = (int(image.shape[1] * scale), int(image.shape[0] * scale))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        shape = (int(image.shape[0]), int(image.shape[1]), 3)
        np.copyto(self.view(index, shape), image, casting="unsafe")
        return shape

    def image(self, index: int, shape: tuple[int, ...]) -> np.ndarray:
        """The frame in slot `index` as BGR: the slot itself (no copy), or converted from its planes."""
        view = self.view(index, shape)
        return view if len(shape) == 3 else _bgr(view)

    def view(self, index: int, shape: tuple[int, ...]) -> np.ndarray:
        """What slot `index` holds, as an array over the shared memory (no copy)."""
        if not 0 <= index < self.count:
            raise IndexError(index)
        return np.ndarray(shape, dtype=np.uint8, buffer=self._shm.buf, offset=index * SLOT_BYTES)

    def close(self) -> None:
        self._shm.close()
        if self._owner:
            self._shm.unlink()


def _bgr(planes: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(planes, cv2.COLOR_YUV2BGR_I420)
