"""Evidence export: a time range of one camera as a zip with the video, a manifest and checksums, and
the sighting it was exported from (plate picture, scene, facts) when there is one.

The video is cut from the recorded segments by ffmpeg with stream copy (no re-encoding: the pictures
are bit-for-bit the camera's), so it starts at the keyframe at or just before the requested start. The
manifest says who exported what, when and why, lists the source segments with their own SHA-256, and
the outages inside the range; SHA256SUMS covers every file in the zip, so the receiving officer can
check that nothing changed on the way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from edge import __version__
from edge.clock import utc_iso
from edge.layout import DataLayout
from webui.evidence_sighting import write_sighting_files

log = logging.getLogger(__name__)
FFMPEG_TIMEOUT = 600


class ExportFailed(Exception):
    """The clip could not be made (no video in the range, ffmpeg failed). The export page shows the
    message; nothing is downloaded and the attempt stays in the audit log."""


@dataclass(frozen=True)
class ExportRequest:
    camera: str
    camera_title: str
    start: datetime
    end: datetime
    who: str
    reason: str
    created: datetime


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _concat_list(segments: list[Any], layout: DataLayout, start: datetime, end: datetime) -> str:
    lines = ["ffconcat version 1.0"]
    for segment in segments:
        path = segment.file(layout)
        lines.append("file '" + str(path).replace("'", "'\\''") + "'")
        if segment.start < start:
            lines.append(f"inpoint {(start - segment.start).total_seconds():.3f}")
        if segment.end > end:
            lines.append(f"outpoint {(end - segment.start).total_seconds():.3f}")
    return "\n".join(lines) + "\n"


def space_needed(layout: DataLayout, segments: list[Any]) -> int:
    """Bytes an export of `segments` may write: the cut video and the zip that stores it."""
    total = 0
    for segment in segments:
        try:
            total += segment.file(layout).stat().st_size
        except (OSError, ValueError):
            continue
    return 2 * total + (16 << 20)


def build_export(
    layout: DataLayout,
    request: ExportRequest,
    segments: list[Any],
    outages: list[Any],
    work: Path,
    sighting: Any = None,
) -> Path:
    """Write the zip into `work` (a temporary folder of webui.export_room, which deletes it); with
    `sighting` (a plate_index.search.SightingHit), its pictures and facts go in too."""
    if not segments:
        raise ExportFailed("no recording in this time range")
    stamp = request.start.strftime("%Y%m%d-%H%M%SZ")
    video = work / f"{request.camera}_{stamp}.mp4"
    listing = work / "segments.ffconcat"
    listing.write_text(_concat_list(segments, layout, request.start, request.end), encoding="utf-8")
    command = [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(listing),
        "-map",
        "0:v",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        "-y",
        str(video),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportFailed(f"ffmpeg could not run: {exc}") from None
    if done.returncode != 0 or not video.exists():
        log.error("export ffmpeg failed: %s", done.stderr.strip()[-500:])
        raise ExportFailed("the video could not be cut from the recordings")
    manifest = _manifest(request, layout, segments, outages, video)
    extra: list[Path] = []
    if sighting is not None:
        manifest["sighting"], extra = write_sighting_files(layout, sighting, work)
    manifest_path = work / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    sums = work / "SHA256SUMS"
    sums.write_text(
        "".join(f"{sha256_of(p)}  {p.name}\n" for p in (video, manifest_path, *extra)), encoding="utf-8"
    )
    archive = work / f"dozor-evidence_{request.camera}_{stamp}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(video, video.name, compress_type=zipfile.ZIP_STORED)
        for path in (manifest_path, *extra, sums):
            zf.write(path, path.name, compress_type=zipfile.ZIP_DEFLATED)
    listing.unlink()
    return archive


def _manifest(
    request: ExportRequest, layout: DataLayout, segments: list[Any], outages: list[Any], video: Path
) -> dict[str, Any]:
    return {
        "dozor_version": __version__,
        "camera": request.camera,
        "camera_title": request.camera_title,
        "range": {"start": utc_iso(request.start), "end": utc_iso(request.end)},
        "exported_by": request.who,
        "exported_at": utc_iso(request.created),
        "reason": request.reason,
        "video": {
            "file": video.name,
            "bytes": video.stat().st_size,
            "sha256": sha256_of(video),
            "note": "stream copy of the recorded segments; starts at the keyframe at or before range.start",
        },
        "source_segments": [
            {
                "start": utc_iso(s.start),
                "end": utc_iso(s.end),
                "path": s.path,
                "codec": s.codec,
                "sha256": sha256_of(s.file(layout)),
            }
            for s in segments
        ],
        "outages_in_range": [
            {"start": utc_iso(o.start), "end": utc_iso(o.end) if o.end else None,
             "reason": o.reason.english()}
            for o in outages
        ],
    }
