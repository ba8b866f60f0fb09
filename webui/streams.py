"""Long-lived responses: live video, recorded video files and evidence exports.

A view marked `@long_lived` runs on the server's stream threads (webui.wsgi_bridge picks them by this
mark), and one user may have at most `[web] streams_per_user` such responses open at once: a volunteer
who opens sixteen live views, or a script that leaves video responses unread, gets 429 for the ones
past the limit instead of holding threads that other people need. A slot is freed when the response
ends, however it ends (finished, client gone, cut off by the server).
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, cast

from flask import Flask, abort, current_app, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import ClosingIterator

EXTENSION = "dozor_streams"


class StreamSlots:
    """Open long-lived responses per user id (in memory: they end with the process anyway)."""

    def __init__(self, per_user: int):
        self.per_user = per_user
        self._open: Counter[int] = Counter()
        self._lock = threading.Lock()

    def take(self, user_id: int) -> Callable[[], None] | None:
        """A function that frees the slot (safe to call twice), or None when the user has none left."""
        with self._lock:
            if self._open[user_id] >= self.per_user:
                return None
            self._open[user_id] += 1
        freed = threading.Event()

        def release() -> None:
            with self._lock:
                if not freed.is_set():
                    freed.set()
                    self._open[user_id] -= 1
                    if not self._open[user_id]:
                        del self._open[user_id]

        return release

    def open_for(self, user_id: int) -> int:
        return self._open[user_id]


def init_streams(app: Flask, per_user: int) -> None:
    app.extensions[EXTENSION] = StreamSlots(per_user)


def long_lived(view: Callable) -> Callable:
    """Mark `view` as long-lived and hold one of the signed-in user's slots while its response runs.
    Goes between `@bp.route` and `@allow` (the roles are checked first)."""

    @functools.wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        from webui.access import current_user

        slots: StreamSlots = current_app.extensions[EXTENSION]
        user = current_user()
        if user is None:  # cannot happen after @allow; refused all the same
            abort(401)
        release = slots.take(user.id)
        if release is None:
            return jsonify(error=_("Too many videos open at once: close one and try again.")), 429
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            release()
            raise
        if response.is_sequence:
            release()  # answered at once (an error, a small body)
        else:
            response.response = ClosingIterator(cast(Iterable[bytes], response.response), release)
        return response

    limited.dozor_long_lived = True  # type: ignore[attr-defined]
    return limited


def is_long_lived(app: Flask, environ: dict) -> bool:
    """Whether the request in `environ` goes to a `@long_lived` view (the server's choice of threads)."""
    try:
        endpoint, _args = app.url_map.bind_to_environ(environ).match()
    except HTTPException:  # 404, 405, a redirect: answered at once, on a request thread
        return False
    return bool(getattr(app.view_functions.get(endpoint), "dozor_long_lived", False))
