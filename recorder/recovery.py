"""Start-up recovery: after kill -9, a power cut or a full disk, make every file play and the catalog true.

Runs before any camera starts (nothing is being written, so nothing races it):
1. segments still marked 'recording' are trimmed to their last complete fragment and get their real
   end time from the file; files with nothing playable are deleted with their row;
2. recent files of every camera (written in the last minutes before the stop, which a power cut may
   have left half on disk) are checked the same way;
3. files without a row are added to the catalog (or deleted when unplayable); rows without a file are
   deleted; outages left open end now.
The ENOSPC path of the recorder uses `finish_file` for the one segment the full disk broke.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import av

from edge.clock import Clock
from edge.layout import DataLayout, parse_segment_name
from recorder import mp4_fragments
from recorder.catalog import Catalog, NewSegment, segment_by_id

log = logging.getLogger(__name__)

RECENT_SECONDS = 300  # files this close to a camera's newest file are checked for a damaged tail


@dataclass(frozen=True)
class FileFacts:
    seconds: float
    size: int
    codec: str
    width: int
    height: int
    audio_codec: str | None


@dataclass
class RecoveryReport:
    finished: int = 0  # 'recording' rows closed
    trimmed: list[str] = field(default_factory=list)  # files cut back to their last complete fragment
    added: int = 0  # files without a row, now in the catalog
    deleted_files: int = 0  # unplayable files removed
    deleted_rows: int = 0  # rows whose file was gone
    closed_outages: int = 0

    def __str__(self) -> str:
        return (
            f"{self.finished} unfinished segment(s) closed, {len(self.trimmed)} trimmed, "
            f"{self.added} file(s) added to the catalog, {self.deleted_files} unplayable file(s) and "
            f"{self.deleted_rows} row(s) without a file removed, {self.closed_outages} open outage(s) closed"
        )


def finish_file(path: Path) -> FileFacts | None:
    """Trim the file to its last complete fragment and read its facts; None if nothing plays."""
    try:
        scan = mp4_fragments.trim(path)
    except OSError as exc:
        log.warning("cannot check %s: %s", path, exc.strerror)
        return None
    if not scan.playable_end:
        return None
    return probe(path)


def probe(path: Path) -> FileFacts | None:
    """Length and codecs of a segment file, by reading its video packets (no decoding)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            video = container.streams.video[0]
            audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
            first = last = None
            for packet in container.demux(video):
                if packet.pts is None:
                    continue
                end = packet.pts + (packet.duration or 0)
                first = packet.pts if first is None else min(first, packet.pts)
                last = end if last is None else max(last, end)
            if first is None or last is None:
                return None
            return FileFacts(
                seconds=float((last - first) * video.time_base), size=path.stat().st_size,
                codec=video.codec_context.name, width=video.codec_context.width,
                height=video.codec_context.height, audio_codec=audio,
            )
    except (av.error.FFmpegError, OSError) as exc:
        log.warning("%s does not open as video: %s", path, exc)
        return None


def recover(catalog: Catalog, layout: DataLayout, clock: Clock) -> RecoveryReport:
    report = RecoveryReport()
    known = catalog.all_paths()
    by_path = {s.path: s for s in catalog.segments_in_state("recording")}
    for path in _recent_files(layout):
        rel = layout.relative(path)
        if rel in known and rel not in by_path and mp4_fragments.scan(path).damaged:
            damaged = segment_by_id(catalog.read(), known[rel])
            if damaged is not None:
                by_path[rel] = damaged
    for rel, segment in by_path.items():
        path = layout.root / rel
        facts = finish_file(path) if path.exists() else None
        if facts is None:
            _unlink(path, report)
            catalog.delete_segments([segment.id])
            report.deleted_rows += 1
            continue
        if segment.state == "recording":
            report.finished += 1
        else:
            report.trimmed.append(rel)
        end = segment.start + timedelta(seconds=facts.seconds)
        catalog.update_segment(segment.id, start=segment.start, end=end, size=facts.size, complete=True)
    _reconcile(catalog, layout, report)
    report.closed_outages = catalog.close_open_outages(clock.now())
    remove_empty_dirs(layout.segments_dir)
    return report


def _reconcile(catalog: Catalog, layout: DataLayout, report: RecoveryReport) -> None:
    known = catalog.all_paths()
    seen: set[str] = set()
    for path in _segment_files(layout):
        rel = layout.relative(path)
        seen.add(rel)
        if rel in known:
            continue
        parsed = parse_segment_name(path.name)
        facts = finish_file(path) if parsed else None
        if parsed is None:
            log.warning("leaving %s alone: not a segment file name", path)
            continue
        if facts is None:
            _unlink(path, report)
            continue
        camera, start = parsed
        new = NewSegment(camera, start, rel, facts.codec, facts.width, facts.height, facts.audio_codec)
        catalog.add_recovered_segment(new, start + timedelta(seconds=facts.seconds), facts.size)
        report.added += 1
    gone = [segment_id for rel, segment_id in known.items() if rel not in seen]
    catalog.delete_segments(gone)
    report.deleted_rows += len(gone)


def _segment_files(layout: DataLayout) -> list[Path]:
    if not layout.segments_dir.exists():
        return []
    return sorted(p for p in layout.segments_dir.rglob("*.mp4") if p.is_file())


def _recent_files(layout: DataLayout) -> list[Path]:
    """Per camera, the files written within RECENT_SECONDS of its newest one."""
    out: list[Path] = []
    if not layout.segments_dir.exists():
        return out
    for camera_dir in layout.segments_dir.iterdir():
        files = [(p.stat().st_mtime, p) for p in camera_dir.rglob("*.mp4") if p.is_file()]
        if files:
            newest = max(m for m, _ in files)
            out += [p for m, p in files if m >= newest - RECENT_SECONDS]
    return out


def _unlink(path: Path, report: RecoveryReport) -> None:
    try:
        path.unlink()
        report.deleted_files += 1
        log.info("deleted %s: nothing in it can play", path)
    except FileNotFoundError:
        pass


def remove_empty_dirs(top: Path) -> None:
    """Remove empty date/hour folders under `top` (never `top` itself or the camera folders)."""
    if not top.exists():
        return
    for folder, _dirs, _files in os.walk(top, topdown=False):
        depth = len(Path(folder).relative_to(top).parts)
        if depth >= 2:
            with contextlib.suppress(OSError):  # not empty
                os.rmdir(folder)

