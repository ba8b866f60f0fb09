"""Waiting longer after each failure: reconnecting a camera, restarting a worker or a child process.

One rule everywhere: the first wait is `first`, each failure doubles it up to `most`, and a success
(a connection that recorded, a process that ran for a while) starts it over. Doubling keeps a broken
camera or a crashing process from being hammered; the cap keeps a returning one from waiting long.
"""

from __future__ import annotations


class Backoff:
    def __init__(self, first: float, most: float):
        self.first = first
        self.most = most
        self._next = first

    def next(self) -> float:
        """The wait before the next attempt (then the one after it doubles, up to `most`)."""
        wait = self._next
        self._next = min(self.most, self._next * 2)
        return wait

    def reset(self) -> None:
        """It worked: the next failure waits `first` again."""
        self._next = self.first
