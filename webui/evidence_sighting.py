"""The sighting an export was made from, as evidence beside the video: its plate picture, its scene
picture and its facts (sighting.json), each named in the manifest and covered by SHA256SUMS.

Pictures are copied from the plate image folder only (a path in plates.db that leads elsewhere is left
out, as the sighting page leaves it out), so an export never carries a file from outside the data.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from edge.clock import utc_iso
from edge.layout import DataLayout

PICTURE_NAMES = {"crop": "plate.jpg", "scene": "scene.jpg"}


def sighting_facts(hit: Any) -> dict[str, Any]:
    """What is known of the sighting, as the sighting page shows it (times ISO-8601 UTC)."""
    return {
        "id": hit.id,
        "plate": hit.plate,
        "camera": hit.camera,
        "first_seen": utc_iso(hit.first_seen),
        "last_seen": utc_iso(hit.last_seen),
        "confidence": round(hit.confidence, 3),
        "reads": hit.reads,
        "other_readings": hit.alternatives,
    }


def picture_file(layout: DataLayout, relative: str | None) -> Path | None:
    """A sighting picture's file from its path in plates.db, only if it lies in the plate image folder."""
    if not relative:
        return None
    try:
        path = layout.inside(layout.root / relative)
    except ValueError:
        return None
    if not path.is_relative_to(layout.plate_images_dir.resolve()) or not path.is_file():
        return None
    return path


def write_sighting_files(layout: DataLayout, hit: Any, work: Path) -> tuple[dict[str, Any], list[Path]]:
    """Copy the sighting's pictures and write its facts into `work`; the manifest's "sighting" entry
    and the files written (for the zip and SHA256SUMS)."""
    prefix = f"sighting-{hit.id}_"
    files: list[Path] = []
    named: dict[str, str] = {}
    for kind, relative in (("crop", hit.crop_path), ("scene", hit.scene_path)):
        source = picture_file(layout, relative)
        if source is None:
            continue
        target = work / (prefix + PICTURE_NAMES[kind])
        shutil.copyfile(source, target)
        files.append(target)
        named["plate_picture" if kind == "crop" else "scene_picture"] = target.name
    facts = work / (prefix + "facts.json")
    facts.write_text(json.dumps(sighting_facts(hit), ensure_ascii=False, indent=2), encoding="utf-8")
    files.append(facts)
    named["facts"] = facts.name
    return {**sighting_facts(hit), "files": named}, files
