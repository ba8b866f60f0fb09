"""A sighting's direction of travel in words: its camera's label from the config ("to Odesa"), else a
generic phrase in the officer's language. The codes are plate_index.direction.Direction's; the search
filter offers each code with the labels the cameras give it, so "to Odesa" can be chosen by name."""

from __future__ import annotations

from flask_babel import lazy_gettext

from plate_index.direction import Direction
from webui.context import ctx

GENERIC = {
    Direction.TOWARDS: lazy_gettext("towards the camera"),
    Direction.AWAY: lazy_gettext("away from the camera"),
    Direction.LEFT_TO_RIGHT: lazy_gettext("left to right"),
    Direction.RIGHT_TO_LEFT: lazy_gettext("right to left"),
    Direction.UNKNOWN: lazy_gettext("direction unknown"),
}
CODES = frozenset(d.value for d in Direction)


def direction_label(camera: str, direction: str) -> str:
    """What the UI shows for a sighting of `camera` that went `direction`."""
    for config in ctx().config.cameras:
        if config.name == camera and config.directions.label(direction):
            return config.directions.label(direction)
    return str(GENERIC.get(Direction(direction), direction)) if direction in CODES else direction


def filter_options() -> list[tuple[str, str]]:
    """(code, text) for the search filter: each direction, with the names cameras give it."""
    options = []
    for code, generic in GENERIC.items():
        labels = sorted({c.directions.label(code) for c in ctx().config.cameras} - {""})
        options.append((code.value, f"{generic} ({', '.join(labels)})" if labels else str(generic)))
    return options
