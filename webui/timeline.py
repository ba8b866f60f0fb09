"""Placing events on a horizontal timeline: positions as percentages, computed on the server.

Used by the sighting page's route (one row per camera) and the recordings page (segments and outages).
Templates put the numbers in data attributes and a few lines of JS apply them (the CSP forbids inline
style attributes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import url_for


@dataclass
class Mark:
    left: float
    width: float
    label: str
    href: str = ""
    current: bool = False
    kind: str = "mark"


@dataclass
class Row:
    title: str
    marks: list[Mark] = field(default_factory=list)


@dataclass
class Timeline:
    start: datetime
    end: datetime
    rows: list[Row]


def position(moment: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds() or 1.0
    return round(max(0.0, min(100.0, (moment - start).total_seconds() / span * 100)), 3)


def span_marks(
    spans: list[tuple[datetime, datetime]], start: datetime, end: datetime, kind: str, label: str = ""
) -> list[Mark]:
    """Bars for time spans (segments, outages), clipped to [start, end]."""
    marks = []
    for a, b in spans:
        if b <= start or a >= end:
            continue
        left = position(max(a, start), start, end)
        right = position(min(b, end), start, end)
        marks.append(Mark(left=left, width=max(0.2, round(right - left, 3)), label=label, kind=kind))
    return marks


def route_timeline(hits: list[Any], *, current: int, title: Callable[[Any], str]) -> Timeline:
    """One row per camera (as `title` names a sighting's camera: two villages' road-north are two rows)
    with a mark per sighting; the span is padded by 5 % on each side."""
    first = min(h.first_seen for h in hits)
    last = max(h.first_seen for h in hits)
    pad = max((last - first) * 0.05, timedelta(minutes=5))
    start, end = first - pad, last + pad
    rows: dict[str, Row] = {}
    for hit in hits:
        name = title(hit)
        row = rows.setdefault(name, Row(title=name))
        row.marks.append(
            Mark(
                left=position(hit.first_seen, start, end),
                width=0,
                label=hit.plate,
                href=url_for("sightings.page", sighting_id=hit.id),
                current=hit.id == current,
            )
        )
    return Timeline(start=start, end=end, rows=list(rows.values()))
