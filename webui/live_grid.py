"""The moving grid's byte stream: the sub-streams of up to MAX_TILES cameras in one response.

A browser opens at most six HTTP/1.1 connections to one server (and this server refuses HTTP/2), so
nine live tiles cannot be nine responses: the grid's cameras share one, and the page splits it again.
Each camera is followed exactly like the full-frame view follows the segment being recorded
(webui.live_stream.Follower), over the files recorder.live_relay writes from the camera's `live_url`.
One grid is one stream slot of its user (webui.streams), whatever its size.

The stream is a sequence of messages, each a 6-byte header (tile index: 1 byte; kind: 1 byte; payload
length: 4 bytes, big-endian) and its payload:
- START: the codec string (UTF-8) of a tile's video; fMP4 bytes follow, starting with an init segment.
  It comes again, with a new init segment, after the tile's video stopped and came back.
- DATA: fMP4 bytes of a tile's video (an init segment or whole moof+mdat fragments).
- STOP: the tile's video stopped (its payload: why, a word for the logs); the page shows the tile's
  live picture and its age until a START comes.
- PING (tile 0, no payload) after PING_SECONDS without a message: a grid whose cameras all send nothing
  still writes, so a browser that went away is noticed and its thread and slot freed at once.
The response ends when the viewer may no longer watch (checked every CHECK_SECONDS), after
MAX_SECONDS (the page reconnects), or when the browser goes away.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from edge.clock import Clock
from webui.fmp4 import codec_string
from webui.live_stream import CHECK_SECONDS, MAX_SECONDS, POLL_SECONDS, Follower, init_segment_of

log = logging.getLogger(__name__)

MAX_TILES = 9  # grids up to 3×3 move; larger ones show pictures
START, DATA, STOP, PING = 1, 2, 3, 4
PING_SECONDS = 5.0
FRESH_SECONDS = 5.0  # a sub-stream file not written for this long is not live video
RETRY_SECONDS = 2.0  # how often a stopped tile looks for its video again
HEADER = struct.Struct(">BBI")


def message(tile: int, kind: int, payload: bytes) -> bytes:
    return HEADER.pack(tile, kind, len(payload)) + payload


@dataclass
class Tile:
    index: int
    current_file: Callable[[], Path | None]
    follower: Follower | None = None
    next_try: float = 0.0


def _fresh(path: Path | None, max_age: float) -> bool:
    try:
        return path is not None and time.time() - path.stat().st_mtime <= max_age
    except OSError:
        return False


def _open(tile: Tile, clock: Clock) -> bytes | None:
    """A START message when the tile's sub-stream is being written now, else None."""
    path = tile.current_file()
    if not _fresh(path, FRESH_SECONDS):
        return None
    assert path is not None
    init = init_segment_of(path)
    codec = codec_string(init) if init else None
    if not codec:
        return None
    tile.follower = Follower(tile.current_file, clock)
    return message(tile.index, START, codec.encode())


def multiplex(
    finders: list[Callable[[], Path | None]],
    clock: Clock,
    allowed: Callable[[], bool] = lambda: True,
    keep_watched: Callable[[], None] = lambda: None,
) -> Iterator[bytes]:
    """Messages for the tiles whose current files `finders` return, while `allowed()`; `keep_watched`
    runs every CHECK_SECONDS (it keeps the recorder's relays going)."""
    tiles = [Tile(index, finder) for index, finder in enumerate(finders)]
    started = last_sent = clock.monotonic()
    last_check = float("-inf")
    while clock.monotonic() - started < MAX_SECONDS:
        now = clock.monotonic()
        if now - last_sent >= PING_SECONDS:
            last_sent = now
            yield message(0, PING, b"")
        if now - last_check >= CHECK_SECONDS:
            if not allowed():
                log.info("live grid stream ended: the viewer's session ended")
                return
            keep_watched()
            last_check = now
        for tile in tiles:
            if tile.follower is None:
                if now >= tile.next_try:
                    tile.next_try = now + RETRY_SECONDS
                    opened = _open(tile, clock)
                    if opened is not None:
                        last_sent = now
                        yield opened
                continue
            chunks = tile.follower.step()
            if chunks:
                last_sent = now
                yield message(tile.index, DATA, b"".join(chunks))
            elif tile.follower.idle():
                tile.follower = None
                last_sent = now
                yield message(tile.index, STOP, b"idle")
        time.sleep(POLL_SECONDS)
