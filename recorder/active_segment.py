"""A segment being recorded: its file and its catalog row, kept in step from first keyframe to close.

The row is inserted as 'recording' when the file starts, refreshed every few seconds (end time, size,
and an fsync so a power cut cannot leave finished video only in the page cache), and marked
'complete' when the file is closed. A segment broken by a write error (a full disk) is `abandon`ed:
trimmed to its last complete fragment like start-up recovery does, so it still plays.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta

from edge.clock import from_epoch
from edge.layout import DataLayout
from recorder import mp4_fragments
from recorder.catalog import Catalog, NewSegment
from recorder.recovery import finish_file
from recorder.rtsp_source import StreamInfo
from recorder.segment_writer import SegmentWriter

log = logging.getLogger(__name__)


class ActiveSegment:
    def __init__(self, writer: SegmentWriter, segment_id: int, start: datetime, catalog: Catalog):
        self.writer = writer
        self.id = segment_id
        self.start = start
        self.catalog = catalog

    @classmethod
    def begin(
        cls, camera: str, info: StreamInfo, keep_audio: bool, start_wall: float, *,
        catalog: Catalog, layout: DataLayout,
    ) -> ActiveSegment:
        """Create the file and its row; raises OSError or sqlite3.Error (full disk), leaving nothing."""
        start = from_epoch(start_wall)
        path = layout.segment_file(camera, start)
        while path.exists():  # two segments in the same millisecond (a reconnect): keep both
            start += timedelta(milliseconds=1)
            path = layout.segment_file(camera, start)
        writer = SegmentWriter(path, info.video, info.audio if keep_audio else None, picture=info.picture)
        new = NewSegment(camera, start, layout.relative(path), info.codec, info.width, info.height,
                         writer.audio_codec)
        try:
            segment_id = catalog.add_segment(new)
        except sqlite3.Error:
            writer.close()
            path.unlink(missing_ok=True)
            raise
        return cls(writer, segment_id, start, catalog)

    def refresh(self, start: datetime, end: datetime) -> None:
        """Publish progress: end time and size in the row, written data pushed to the disk."""
        mp4_fragments.sync(self.writer.path)
        self.start = start
        self.catalog.update_segment(self.id, start=start, end=end, size=self.writer.size())

    def finish(self, start: datetime, end: datetime) -> None:
        """Close the file and mark the row complete. Raises OSError/sqlite3.Error on a full disk."""
        self.writer.close()
        mp4_fragments.sync(self.writer.path)
        self.start = start
        self.catalog.update_segment(self.id, start=start, end=end, size=self.writer.size(), complete=True)

    def abandon(self) -> None:
        """After a write error: release the file, trim it to what plays, and make the row say so."""
        try:
            self.writer.close()
        except Exception as exc:  # noqa: BLE001 - the trailer may not fit on a full disk; trimming fixes it
            log.debug("closing broken segment %s: %s", self.writer.path, exc)
        facts = finish_file(self.writer.path) if self.writer.path.exists() else None
        try:
            if facts is None:
                self.writer.path.unlink(missing_ok=True)
                self.catalog.delete_segments([self.id])
            else:
                end = self.start + timedelta(seconds=facts.seconds)
                self.catalog.update_segment(
                    self.id, start=self.start, end=end, size=facts.size, complete=True
                )
        except sqlite3.Error as exc:  # start-up recovery reconciles what could not be written now
            log.warning("cannot update the catalog for %s: %s", self.writer.path, exc)
