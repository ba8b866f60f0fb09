"""A sighting's camera and direction as the UI names them (issue 17's review).

This appliance's cameras go by their titles and by the direction names their config gives. Another
node's sighting (a shared index) goes by "node · camera" and the generic direction names: its titles and
names are in that node's config, and the same camera name in two villages (road-north) must never read
as one camera, let alone as one of this hub's own.
"""

from __future__ import annotations

from plate_index.search import SightingHit
from webui.context import ctx
from webui.directions import direction_label


def camera_title(hit: SightingHit, titles: dict[str, str]) -> str:
    if ctx().elsewhere(hit):
        return f"{hit.node} · {hit.camera}"
    return titles.get(hit.camera, hit.camera)


def direction_text(hit: SightingHit) -> str:
    if ctx().elsewhere(hit):
        return direction_label("", hit.direction)  # no camera of this appliance: the generic name
    return direction_label(hit.camera, hit.direction)
