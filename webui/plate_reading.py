"""Is plate reading working? The web UI says so on every page police and admins see, with how to fix
it, instead of letting a search quietly find nothing (a demo started without its models on an offline
machine, `[lpr] enabled = false`, a worker that cannot load the models).

The daemon's LprService writes each camera's state to plates.db (plate_index.status): "disabled" with
the reason when the models cannot be found or loaded. Nothing written yet (just started) is not an
outage.
"""

from __future__ import annotations

from dataclasses import dataclass

from webui.context import StoreMissing, ctx, plates_db


@dataclass(frozen=True)
class PlateReadingOff:
    in_settings: bool  # turned off in the config: nothing is broken
    detail: str  # the daemon's reason (its own words, as logged), "" when turned off in the settings


def plate_reading_off() -> PlateReadingOff | None:
    """Why no plates are being read now, or None when plate reading runs (or is still starting)."""
    config = ctx().config
    if not config.lpr.enabled or not any(camera.lpr and camera.enabled for camera in config.cameras):
        return PlateReadingOff(in_settings=True, detail="")
    from plate_index.status import read_status

    try:
        rows = read_status(plates_db())
    except StoreMissing:
        return None
    if rows and all(row["state"] == "disabled" for row in rows):
        return PlateReadingOff(in_settings=False, detail=rows[0]["last_error"])
    return None
