"""A car is searchable as soon as it has a credible read, not when its sighting closes seconds later;
the finished sighting then replaces that first version (plate text, keys, pictures), once. The
watchlist is checked at every write: an alert at the first credible read, one per entry and sighting."""

from __future__ import annotations

import queue
from datetime import UTC, datetime

import numpy as np

from edge.clock import SystemClock
from edge.layout import DataLayout
from plate_index.grouping import PlateRead, SightingGrouper
from plate_index.publish import SightingWriter
from plate_index.search import search
from plate_index.store import open_store
from plate_index.watch_alerts import list_alerts
from plate_index.watchlist import add_entry

T0 = 1_772_352_000.0  # 2026-03-01 08:00 UTC


def _read(text: str, t: float, confidence: float) -> PlateRead:
    return PlateRead(camera="gate", time=t, text=text, char_confidences=(confidence,) * len(text),
                     confidence=confidence)


def _evidence(shade: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((30, 120, 3), shade, np.uint8), np.full((90, 160, 3), shade, np.uint8)


def test_a_sighting_is_searchable_at_its_first_confident_read_and_finished_later(tmp_path):
    layout = DataLayout(tmp_path)
    conn = open_store(layout.plates_db)
    add_entry(conn, "AA1234BB", "stolen", "police", datetime.now(UTC))
    results: queue.SimpleQueue = queue.SimpleQueue()
    writer = SightingWriter(conn, layout, results, {}, SystemClock())
    grouper = SightingGrouper(4.0)

    sighting, _ = grouper.add(_read("AA1284BB", T0 + 1.0, 0.85), _evidence(10))  # an OCR slip, but credible
    writer.publish(sighting)
    first = search(conn, "AA1")
    assert [h.plate for h in first] == ["AA1284BB"], "searchable before the sighting closes"
    assert list_alerts(conn) == [], "the slip (8 for 3) matches no entry"
    first_pictures = [layout.root / p for p in (first[0].crop_path, first[0].scene_path)]
    assert all(p.exists() for p in first_pictures)

    for i, t in enumerate((0.6, 1.4, 1.8)):  # better reads, one of them earlier (frames come out of order)
        sighting, _ = grouper.add(_read("AA1234BB", T0 + t, 0.97 + i * 0.01), _evidence(200 + i))
        writer.publish(sighting)
    assert results.qsize() == 1 and len(search(conn, "AA1")) == 1, "published once"
    (finished,) = grouper.flush()
    writer.finish(finished)

    (hit,) = search(conn, "AA1")
    assert hit.plate == "AA1234BB" and hit.alternatives == ["AA1284BB"]
    assert hit.first_seen.timestamp() == T0 + 0.6 and hit.last_seen.timestamp() == T0 + 1.8
    assert [h.plate for h in search(conn, "AA1284", exact=True)] == [], "the slip is no longer an exact key"
    assert not any(p.exists() for p in first_pictures), "the first pictures were replaced"
    assert (layout.root / hit.crop_path).exists()
    assert [a.plate for a in list_alerts(conn)] == ["AA1234BB"], "the finished text raised it"
    assert conn.execute("SELECT count(*) FROM sightings").fetchone()[0] == 1

    # A late, less sure read of the pass (frames are read out of order) reopens it: one sighting, the
    # same pictures, no second alert.
    late, _ = grouper.add(_read("AA1234BB", T0 + 0.2, 0.9), _evidence(50))
    assert late is finished
    (finished,) = grouper.flush()
    writer.finish(finished)
    (hit,) = search(conn, "AA1")
    assert hit.first_seen.timestamp() == T0 + 0.2 and (layout.root / hit.crop_path).exists()
    assert len(list_alerts(conn)) == 1 and conn.execute("SELECT count(*) FROM sightings").fetchone()[0] == 1


def test_a_lone_unsure_read_is_never_published(tmp_path):
    layout = DataLayout(tmp_path)
    conn = open_store(layout.plates_db)
    writer = SightingWriter(conn, layout, queue.SimpleQueue(), {}, SystemClock())
    grouper = SightingGrouper(4.0)
    sighting, _ = grouper.add(_read("SHOP12", T0, 0.6))
    writer.publish(sighting)
    writer.finish(sighting)
    assert conn.execute("SELECT count(*) FROM sightings").fetchone()[0] == 0


def test_the_stored_sighting_carries_its_direction_once_the_path_shows_it(tmp_path):
    layout = DataLayout(tmp_path)
    conn = open_store(layout.plates_db)
    writer = SightingWriter(conn, layout, queue.SimpleQueue(), {}, SystemClock())
    grouper = SightingGrouper(4.0)
    for i in range(6):  # the plate crosses the picture from left to right, 100 px a frame
        read = PlateRead(camera="gate", time=T0 + i / 5, text="AA1234BB", char_confidences=(0.95,) * 8,
                         confidence=0.95, box=(200 + 100 * i, 400, 320 + 100 * i, 430), frame_width=1280)
        sighting, _ = grouper.add(read, _evidence(i))
        writer.publish(sighting)
        if i == 0:
            assert search(conn, "AA1")[0].direction == "unknown", "one frame shows no direction yet"
    (finished,) = grouper.flush()
    writer.finish(finished)
    assert [h.direction for h in search(conn, "AA1")] == ["left_to_right"]
    assert search(conn, "AA1", direction="right_to_left") == []


def test_a_watched_plate_raises_its_alert_at_the_first_credible_read_not_when_the_car_has_gone(tmp_path):
    """The alert must be on a police screen within seconds of the read; the sighting finishes only
    `sighting_gap_seconds` after the car's last read. Its finished text may raise one for another entry."""
    layout = DataLayout(tmp_path)
    conn = open_store(layout.plates_db)
    now = datetime.now(UTC)
    first = add_entry(conn, "BE7*", "", "police", now)
    writer = SightingWriter(conn, layout, queue.SimpleQueue(), {}, SystemClock())
    grouper = SightingGrouper(4.0)
    sighting, _ = grouper.add(_read("BE7901XA", T0, 0.95), _evidence(10))
    writer.publish(sighting)
    assert [(a.entry_id, a.plate) for a in list_alerts(conn)] == [(first.id, "BE7901XA")]

    second = add_entry(conn, "BE7901XA", "", "cli:ivan", now)
    for t in (0.4, 0.8):
        sighting, _ = grouper.add(_read("BE7901XA", T0 + t, 0.97), _evidence(20))
        writer.publish(sighting)
    (finished,) = grouper.flush()
    writer.finish(finished)
    assert sorted(a.entry_id for a in list_alerts(conn)) == [first.id, second.id], "one per entry"
