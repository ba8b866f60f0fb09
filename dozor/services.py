"""The web UI as a service of `dozor run`: `dozor web` in its own process, started and watched by the
supervisor (dozor.supervisor.ChildProcess restarts it with backoff if it dies), so a crash or a stuck
request in the UI never touches recording.

`dozor.supervisor.service_factories()` lists `web_services` (a factory: the RunContext in, services out).
"""

from __future__ import annotations

import sys
from typing import Any


def web_command(config_path: str) -> list[str]:
    """The child's command line: this Python, so the same installation serves the UI."""
    return [sys.executable, "-m", "dozor.cli", "web", "--config", config_path]


def web_services(context: Any) -> list[Any]:
    """[the `dozor web` child process], or [] when `[web] enabled = false`."""
    if not context.config.web.enabled:
        return []
    from dozor.supervisor import ChildProcess

    return [ChildProcess("web", web_command(str(context.config_path)))]
