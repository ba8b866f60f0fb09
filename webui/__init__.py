"""Dozor's LAN web UI: police search and video, the volunteers' live grid, admin pages and the audit log.

`create_app(config)` builds a Flask app with everything it needs passed in (config, clock, data layout),
so tests and the `dozor web` process build their own apps with no global state.
"""

from webui.app import create_app

__all__ = ["create_app"]
