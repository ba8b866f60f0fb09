"""One blueprint per area of the UI; `BLUEPRINTS` is what the app factory registers."""

from webui.blueprints import (
    admin,
    audit_log,
    auth,
    cases,
    export,
    health,
    holds,
    installer,
    live,
    passes,
    recordings,
    replay,
    search,
    sightings,
    users,
    watchlist,
)

BLUEPRINTS = [
    auth.bp,
    cases.bp,
    health.bp,
    search.bp,
    sightings.bp,
    passes.bp,
    recordings.bp,
    export.bp,
    holds.bp,
    live.bp,
    replay.bp,
    admin.bp,
    installer.bp,
    users.bp,
    audit_log.bp,
    watchlist.bp,
]
