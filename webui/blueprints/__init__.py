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
    oversight,
    recordings,
    search,
    sightings,
    subject,
    transparency,
    users,
)

BLUEPRINTS = [
    auth.bp,
    cases.bp,
    health.bp,
    search.bp,
    sightings.bp,
    recordings.bp,
    export.bp,
    holds.bp,
    live.bp,
    admin.bp,
    installer.bp,
    transparency.bp,
    oversight.bp,
    subject.bp,
    users.bp,
    audit_log.bp,
]
