"""Search results grouped by plate, as the police search page shows them: one row per plate (its
passes, cameras, directions of travel and when it was last seen), which opens to the passes themselves.

A pass here is one sighting (one car going past one camera). Groups keep the order of their first
result: exact matches before similar ones, the most recently seen first.
"""

from __future__ import annotations

from typing import Any

GROUP_LIMIT = 500  # sightings read for a grouped search: a busy plate's day, and many plates
ITEM_FIELDS = (
    "id", "camera_title", "first_seen", "last_seen", "confidence", "match", "url", "crop_url", "direction",
    "direction_label", "video_note",
)


def group_hits(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The search API's result objects (newest first within each kind of match) grouped by plate."""
    groups: dict[str, dict[str, Any]] = {}
    for hit in results:
        group = groups.get(hit["plate"])
        if group is None:
            group = groups[hit["plate"]] = {
                "plate": hit["plate"],
                "match": hit["match"],
                "passes": 0,
                "cameras": [],
                "directions": [],  # the labels of its passes' directions, newest pass's first
                "video_notes": [],  # which nodes holding its passes' video cannot be reached now
                "first_seen": hit["first_seen"],
                "last_seen": hit["first_seen"],
                "url": hit["url"],
                "crop_url": hit["crop_url"],
                "items": [],
            }
        group["passes"] += 1
        if hit["camera_title"] not in group["cameras"]:
            group["cameras"].append(hit["camera_title"])
        if hit["direction_label"] not in group["directions"]:
            group["directions"].append(hit["direction_label"])
        if hit.get("video_note") and hit["video_note"] not in group["video_notes"]:
            group["video_notes"].append(hit["video_note"])
        if hit["match"] == "exact":
            group["match"] = "exact"
        if hit["first_seen"] > group["last_seen"]:  # ISO-8601 UTC strings order as times do
            group["last_seen"], group["url"] = hit["first_seen"], hit["url"]
            group["crop_url"] = hit["crop_url"] or group["crop_url"]
        group["first_seen"] = min(group["first_seen"], hit["first_seen"])
        group["crop_url"] = group["crop_url"] or hit["crop_url"]
        group["items"].append({key: hit.get(key) for key in ITEM_FIELDS})
    for group in groups.values():
        group["items"].sort(key=lambda item: item["first_seen"], reverse=True)
    return list(groups.values())
