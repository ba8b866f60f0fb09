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


@dataclass(frozen=True)
class DataLayout:
    root: Path

    @property
    def catalog_db(self) -> Path:
        """Segment catalog, outages and camera status (written by the recorder)."""
        return self.root / "catalog.db"

    @property
    def plates_db(self) -> Path:
        """Plate store: sightings, alternatives, watchlist, alerts (written by LPR)."""
        return self.root / "plates.db"

    @property
    def web_db(self) -> Path:
        """Accounts and the audit log (written by the web UI and the `dozor user` commands)."""
        return self.root / "web.db"

    @property
    def audit_anchor(self) -> Path:
        """The audit log's witnessed heads, one JSON line each (webui.audit_anchor); append-only."""
        return self.root / "audit-anchor.jsonl"

    @property
    def summaries_db(self) -> Path:
        """The nightly one-line summaries (written by the daemon's nightly job, edge.summary)."""
        return self.root / "summaries.db"

    @property
    def segments_dir(self) -> Path:
        return self.root / "segments"

    @property
    def plate_images_dir(self) -> Path:
        return self.root / "plates"

    @property
    def live_dir(self) -> Path:
        """Latest picture per camera for the live grid."""
        return self.root / "live"

    @property
    def tls_dir(self) -> Path:
        return self.root / "tls"

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
