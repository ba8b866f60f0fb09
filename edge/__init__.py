"""Dozor's daemon: configuration, supervisor, CLI and scheduled jobs, plus the small shared core
(config, clock, db, layout) that every other package may import."""

__version__ = "0.1.0"
