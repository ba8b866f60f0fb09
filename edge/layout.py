"""Where each kind of data lives under `storage.path`; the one place that builds data paths.

Paths built from user input (camera names from the config, ids from URLs) are validated here, so no
caller can be talked into reading or deleting outside the data folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edge.config import CAMERA_NAME_RE


class UnsafePath(ValueError):
    """A path would leave its folder; the web UI answers 404."""


class _Under:
    """A fixed file or folder under the data folder, read as an attribute of a DataLayout."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, layout: DataLayout, owner: type | None = None) -> Path:
        return layout.root / self.name


@dataclass(frozen=True)
class DataLayout:
    root: Path

    catalog_db = _Under("catalog.db")  # segments, outages, camera status (written by the recorder)
    plates_db = _Under("plates.db")  # sightings, alerts, LPR counters; the watchlist (CLI and web UI too)
    web_db = _Under("web.db")  # accounts and the audit log (the web UI and the `dozor user` commands)
    audit_anchor = _Under("audit-anchor.jsonl")  # the audit log's witnessed heads (accounts.audit_anchor)
    holds_db = _Under("holds.db")  # case holds that retention keeps (recorder.holds; written by the web UI)
    summaries_db = _Under("summaries.db")  # the nightly one-line summaries (health.summary)
    segments_dir = _Under("segments")
    plate_images_dir = _Under("plates")
    live_dir = _Under("live")  # the latest picture per camera, for the live grid
    tls_dir = _Under("tls")

    def camera_segments_dir(self, camera: str) -> Path:
        return self.segments_dir / checked_camera_name(camera)

    def segment_file(self, camera: str, start: datetime) -> Path:
        """segments/<camera>/<YYYY-MM-DD>/<HH>/<camera>-<YYYYMMDDTHHMMSS.mmmZ>.mp4, by the UTC start."""
        utc = start.astimezone(UTC)
        stamp = utc.strftime("%Y%m%dT%H%M%S") + f".{utc.microsecond // 1000:03d}Z"
        folder = self.camera_segments_dir(camera) / utc.strftime("%Y-%m-%d") / utc.strftime("%H")
        return folder / f"{camera}-{stamp}.mp4"

    def relative(self, path: Path) -> str:
        """A data path as stored in the databases: relative to the data folder, with '/'."""
        return path.relative_to(self.root).as_posix()

    def inside(self, path: Path) -> Path:
        """`path` resolved, if it lies under the data folder; UnsafePath otherwise."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise UnsafePath(str(path))
        return resolved


_SEGMENT_NAME = re.compile(r"^(?P<camera>[a-z0-9-]+)-(?P<stamp>\d{8}T\d{6}\.\d{3})Z\.mp4$")


def parse_segment_name(name: str) -> tuple[str, datetime] | None:
    """(camera, UTC start) from a segment file name made by `segment_file`; None for other files."""
    found = _SEGMENT_NAME.match(name)
    if not found:
        return None
    start = datetime.strptime(found["stamp"], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    return found["camera"], start


def checked_camera_name(name: str) -> str:
    if not CAMERA_NAME_RE.match(name):
        raise UnsafePath(name)
    return name
