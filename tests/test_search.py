"""Prefix search: exact before tolerant, newest first, filters, --exact, and the UI's JSON fields, on
each plate store (`store`: plates.db and the shared PostgreSQL index, tests/plate_backends.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from edge.clock import to_epoch
from plate_index.normalise import BadQuery
from plate_index.store import NewSighting

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _add(store, plate, minutes, camera="road-north", alternatives=(), conf=0.9):
    start = to_epoch(T0 + timedelta(minutes=minutes))
    return store.add(NewSighting(
        camera=camera, plate=plate, first_seen=start, last_seen=start + 2, confidence=conf, reads=4,
        alternatives=list(alternatives), region="Ukraine", region_confidence=0.9,
        crop_path=f"plates/x/{plate}-crop.jpg", scene_path=f"plates/x/{plate}-scene.jpg",
    ))


def _plates(hits):
    return [(h.plate, h.match) for h in hits]


def test_cyrillic_query_finds_latin_plates(store):
    _add(store, "BE7123AA", 1)
    assert _plates(store.search("ВЕ7")) == [("BE7123AA", "exact")]


def test_confusable_query_finds_plates_as_tolerant(store):
    _add(store, "BE7123AA", 1)
    assert _plates(store.search("8E7")) == [("BE7123AA", "tolerant")]


def test_exact_matches_come_before_tolerant_ones_each_newest_first(store):
    _add(store, "BE7111AA", 1)
    _add(store, "8E7222AA", 2)
    _add(store, "BE7333AA", 3)
    _add(store, "8E7444AA", 4)
    assert _plates(store.search("BE7")) == [
        ("BE7333AA", "exact"), ("BE7111AA", "exact"), ("8E7444AA", "tolerant"), ("8E7222AA", "tolerant"),
    ]


def test_alternative_reading_is_searched_as_tolerant(store):
    _add(store, "AX7123AA", 1, alternatives=["AK7123AA"])
    assert _plates(store.search("AK7")) == [("AX7123AA", "tolerant")]


def test_exact_flag_turns_tolerant_matching_off(store):
    _add(store, "BE7123AA", 1, alternatives=["BE7123A4"])
    _add(store, "8E7123AA", 2)
    assert _plates(store.search("BE7", exact=True)) == [("BE7123AA", "exact")]


def test_a_sighting_matching_through_several_keys_is_listed_once(store):
    _add(store, "BE7123AA", 1, alternatives=["8E7123AA", "BE7I23AA", "BE7123A4"])
    assert _plates(store.search("BE7")) == [("BE7123AA", "exact")]


def test_longer_prefix_narrows_the_result(store):
    _add(store, "BE7123AA", 1)
    _add(store, "BE7999AA", 2)
    assert _plates(store.search("BE71")) == [("BE7123AA", "exact")]
    assert _plates(store.search("BE7123AA")) == [("BE7123AA", "exact")]
    assert store.search("BE7123AB") == []


def test_camera_and_time_filters(store):
    _add(store, "BE7000AA", 0, camera="road-north")
    _add(store, "BE7010AA", 10, camera="road-south")
    _add(store, "BE7020AA", 20, camera="road-north")
    assert _plates(store.search("BE7", camera="road-south")) == [("BE7010AA", "exact")]
    since, until = T0 + timedelta(minutes=5), T0 + timedelta(minutes=20)
    assert _plates(store.search("BE7", since=since, until=until)) == [("BE7010AA", "exact")]
    assert _plates(store.search("BE7", since=since, camera="road-north")) == [("BE7020AA", "exact")]


def test_limit_caps_results_and_keeps_newest(store):
    for i in range(30):
        _add(store, f"BE7{i:03d}AA", i)
    hits = store.search("BE7", limit=7)
    assert [h.plate for h in hits] == [f"BE7{i:03d}AA" for i in range(29, 22, -1)]


def test_paging_through_many_matches_skips_duplicates(store):
    # 300 sightings, each findable under two tolerant keys: every one must appear exactly once.
    for i in range(300):
        _add(store, f"8E7{i:03d}AA", i, alternatives=[f"8E7{i:03d}A4"])
    hits = store.search("BE7", limit=1000)
    assert len(hits) == 300 and len({h.id for h in hits}) == 300
    assert all(h.match == "tolerant" for h in hits)


@pytest.mark.parametrize("bad", ["B7", "ВЖ7", "ABCDEFGHIJK"])
def test_bad_query_raises_a_user_facing_error(store, bad):
    with pytest.raises(BadQuery):
        store.search(bad)


def test_json_has_the_cli_contract_fields_and_get_sighting_returns_the_same(store):
    sighting_id = _add(store, "BE7123AA", 1, alternatives=["8E7123AA"])
    (hit,) = store.search("BE7")
    data = hit.to_json()
    assert set(data) >= {"id", "plate", "camera", "first_seen", "last_seen", "confidence", "alternatives",
                         "match", "crop_path", "region", "scene_path"}
    assert data["first_seen"] == "2026-03-01T12:01:00.000Z" and data["last_seen"].endswith("Z")
    assert data["alternatives"] == ["8E7123AA"] and data["match"] == "exact"
    assert store.get_sighting(sighting_id).plate == "BE7123AA"
    assert data.get("node") == (None if store.backend == "sqlite" else "village-a")
    assert data["direction"] == "unknown"
    assert store.get_sighting(sighting_id + 99) is None


def _going(store, plate, minutes, direction):
    start = to_epoch(T0 + timedelta(minutes=minutes))
    return store.add(NewSighting(
        camera="road-north", plate=plate, first_seen=start, last_seen=start + 2, confidence=0.9, reads=4,
        direction=direction,
    ))


def test_direction_filter_keeps_the_order_and_the_limit_past_many_other_sightings(store):
    # 600 cars towards the camera, newer than the 3 going away: the filter reads past them all
    for n in range(3):
        _going(store, f"BE7{n:03d}AA", n, "away")
    for n in range(600):
        _going(store, f"BE7{n:03d}KX", 10 + n / 60, "towards")
    _going(store, "8E7999AA", 5, "away")  # a tolerant match going away
    away = store.search("BE7", direction="away")
    assert _plates(away) == [("BE7002AA", "exact"), ("BE7001AA", "exact"), ("BE7000AA", "exact"),
                             ("8E7999AA", "tolerant")]
    assert {h.direction for h in away} == {"away"}
    assert _plates(store.search("BE7", direction="away", limit=2)) == [("BE7002AA", "exact"),
                                                                        ("BE7001AA", "exact")]
    assert len(store.search("BE7", direction="towards", limit=5000)) == 600
    assert store.search("BE7", direction="left_to_right") == []


def test_direction_filter_with_a_wildcard_query_asks_for_more_until_enough(store):
    for n in range(300):
        _going(store, f"AA{n:04d}BB", n / 60, "towards")
    _going(store, "KA1234BB", -5, "right_to_left")
    assert _plates(store.search("*4BB", direction="right_to_left", limit=1)) == [("KA1234BB", "exact")]
    assert len(store.search("*0BB", direction="towards", limit=10)) == 10
