"""Positional wildcards: `?` is one character, `*` any run, with Cyrillic and look-alike tolerance, through
both of plate_index.wildcard's paths (trigrams for a leading wildcard, prefix keys otherwise), on each plate
store (`store`: plates.db and the shared PostgreSQL index, where pg_trgm answers them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_search import T0, _add, _plates

from edge.clock import to_epoch
from edge.db import connect, migrate
from edge.layout import DataLayout
from plate_index.normalise import BadQuery
from plate_index.search import search
from plate_index.store import MIGRATIONS, NewSighting, open_store, prune, update_sighting


def test_question_mark_stands_for_exactly_one_character(store):
    _add(store, "AA01BB", 1)
    _add(store, "AAX1CC", 2)
    _add(store, "AA001D", 3)  # two characters between AA and 1: not a match
    assert _plates(store.search("AA?1")) == [("AAX1CC", "exact"), ("AA01BB", "exact")]


def test_leading_star_finds_the_digits_anywhere_newest_first(store):
    _add(store, "BH1234AA", 1)
    _add(store, "KA1234XX", 2)
    _add(store, "BH5123AA", 3)
    assert _plates(store.search("*1234")) == [("KA1234XX", "exact"), ("BH1234AA", "exact")]
    assert _plates(store.search("*1234*")) == [("KA1234XX", "exact"), ("BH1234AA", "exact")]
    assert [h.plate for h in store.search("*123*")] == ["BH5123AA", "KA1234XX", "BH1234AA"]


def test_wildcard_query_typed_in_cyrillic_is_folded_to_latin(store):
    _add(store, "AX7123BH", 1)
    assert _plates(store.search("*123вн")) == [("AX7123BH", "exact")]
    assert _plates(store.search("ах?1")) == [("AX7123BH", "exact")]


def test_look_alikes_match_as_tolerant_after_exact_ones(store):
    _add(store, "BE7O12AA", 1)  # the OCR read a letter O where the plate has 0
    _add(store, "CE7012AA", 2)
    assert _plates(store.search("*7012")) == [("CE7012AA", "exact"), ("BE7O12AA", "tolerant")]
    assert _plates(store.search("*7012", exact=True)) == [("CE7012AA", "exact")]
    assert _plates(store.search("8E?0")) == [("BE7O12AA", "tolerant")]


def test_alternative_readings_are_matched_by_wildcards(store):
    _add(store, "AX7123AA", 1, alternatives=["AK7123AA"])
    assert _plates(store.search("*K712")) == [("AX7123AA", "tolerant")]


def test_a_sighting_matching_through_several_keys_is_listed_once(store):
    _add(store, "BH0000AA", 1, alternatives=["BHO000AA", "BH0O00AA"])
    assert _plates(store.search("*000")) == [("BH0000AA", "exact")]


def test_camera_and_time_filters_apply_on_both_paths(store):
    _add(store, "BH1234AA", 1, camera="road-north")
    _add(store, "BH1234AB", 30, camera="bridge")
    since = T0 + timedelta(minutes=10)
    for query in ("*1234", "BH?2"):
        assert [h.plate for h in store.search(query, camera="bridge")] == ["BH1234AB"]
        assert [h.plate for h in store.search(query, since=since)] == ["BH1234AB"]
        assert [h.plate for h in store.search(query, until=since)] == ["BH1234AA"]
        assert store.search(query, camera="nowhere") == []


@pytest.mark.parametrize("rare_keys", [3000, 1])
def test_a_common_prefix_range_is_read_newest_first_with_the_same_result(store, monkeypatch, rare_keys):
    monkeypatch.setattr("plate_index.wildcard.RARE_KEYS", rare_keys)
    for minute in range(20):
        camera = "bridge" if minute % 2 else "road-north"
        _add(store, f"BH{minute % 10}1{minute:02d}AA", minute, camera=camera)
    hits = store.search("BH?1", limit=4)
    assert [h.plate for h in hits] == ["BH9119AA", "BH8118AA", "BH7117AA", "BH6116AA"]
    since = T0 + timedelta(minutes=15)
    assert [h.plate for h in store.search("BH?1", camera="bridge", until=since)] == [
        "BH3113AA", "BH1111AA", "BH9109AA", "BH7107AA", "BH5105AA", "BH3103AA", "BH1101AA",
    ]


def test_limit_keeps_the_newest(store):
    for minute in range(30):
        _add(store, f"BH{minute:02d}77AA", minute)
    hits = store.search("*77A", limit=5)
    assert [h.plate for h in hits] == [f"BH{m:02d}77AA" for m in range(29, 24, -1)]


@pytest.mark.parametrize("vague", ["*A?BC", "?1?2?3", "*12*34", "AB???1"])
def test_a_wildcard_query_without_anchor_or_three_in_a_row_is_refused(store, vague):
    with pytest.raises(BadQuery) as caught:
        store.search(vague)
    assert caught.value.reason == BadQuery.TOO_VAGUE


def test_too_few_characters_around_wildcards_is_refused(store):
    with pytest.raises(BadQuery) as caught:
        store.search("*1*")
    assert caught.value.reason == BadQuery.TOO_SHORT


def test_pruned_sightings_leave_the_trigram_index(sqlite_store, tmp_path):
    store = sqlite_store
    layout = DataLayout(tmp_path)
    _add(store, "BH1234AA", 1, alternatives=["8H1234AA"])
    _add(store, "KA1234XX", 60)
    prune(store.index.conn, layout, to_epoch(T0 + timedelta(minutes=30)))
    assert [h.plate for h in store.search("*1234")] == ["KA1234XX"]
    grams = store.index.conn.execute("SELECT count(*) FROM plate_grams_exact").fetchone()[0]
    grams += store.index.conn.execute("SELECT count(*) FROM plate_grams_tolerant").fetchone()[0]
    assert grams == 2  # KA1234XX exact and its folded key


def test_a_store_from_before_wildcards_is_indexed_when_migrated(tmp_path):
    """A plates.db written before the trigram tables existed finds its old sightings by wildcard."""
    path = tmp_path / "plates.db"
    old = connect(path)
    migrate(old, MIGRATIONS[:3], "plates")
    start = to_epoch(T0)
    old.execute(
        "INSERT INTO sightings (id, camera, plate, first_seen, last_seen, confidence, reads, alternatives)"
        " VALUES (1, 'road-north', 'BH1234AA', ?, ?, 0.9, 3, '[\"8H1234AA\"]')", (start, start + 1),
    )
    old.execute("INSERT INTO cameras (id, name) VALUES (1, 'road-north')")
    old.executemany(
        "INSERT INTO sighting_keys (kind, key3, first_seen, sighting_id, key, camera_id)"
        " VALUES (?,?,?,1,?,1)",
        [(0, "BH1", start, "BH1234AA"), (1, "8H1", start, "8H1234AA")],
    )
    old.commit()
    old.close()
    conn = open_store(path)
    assert _plates(search(conn, "*1234")) == [("BH1234AA", "exact")]
    assert _plates(search(conn, "*H1234", exact=False)) == [("BH1234AA", "exact")]
    assert _plates(search(conn, "?H12")) == [("BH1234AA", "exact")]
    conn.close()


def test_new_sightings_are_found_by_wildcard_as_soon_as_stored(store):
    start = to_epoch(T0)
    store.add(NewSighting(
        camera="road-north", plate="ВН 9876 ІК", first_seen=start, last_seen=start + 1, confidence=0.9,
        reads=2,
    ))
    assert _plates(store.search("*9876")) == [("BH9876IK", "exact")]


def test_a_sighting_rewritten_when_finished_is_found_by_its_final_text_only(sqlite_store):
    """A sighting is searchable from its first read and rewritten when grouping finishes it: wildcard
    search follows the rewrite, as prefix search does."""
    start = to_epoch(T0)
    first = NewSighting(camera="road-north", plate="BH1234AA", first_seen=start, last_seen=start + 1,
                        confidence=0.6, reads=1)
    store = sqlite_store
    sighting_id = store.add(first)
    final = NewSighting(camera="road-north", plate="BH7834AA", first_seen=start, last_seen=start + 3,
                        confidence=0.9, reads=5, alternatives=["8H7834AA"])
    update_sighting(store.index.conn, sighting_id, final)
    assert store.search("*1234") == []
    assert _plates(store.search("*7834")) == [("BH7834AA", "exact")]
    grams = store.index.conn.execute("SELECT count(*) FROM plate_grams_exact").fetchone()[0]
    assert grams == 1


@pytest.mark.parametrize("recent_keys", [20_000, 3])
def test_wildcard_pages_read_from_recent_keys_and_from_older_ones_alike(store, monkeypatch, recent_keys):
    """The shared index reads the newest keys first and asks its trigram index only for older ones
    (plate_index.pg_wildcard): with a window of 3 keys, answers come from both, and must not change."""
    monkeypatch.setattr("plate_index.pg_wildcard.RECENT_KEYS", recent_keys)
    for minute in range(40):
        _add(store, f"KA{minute:02d}55XX", minute, camera="bridge" if minute % 3 == 0 else "road-north")
    assert [h.plate for h in store.search("*55X", limit=7)] == [f"KA{m:02d}55XX" for m in range(39, 32, -1)]
    assert [h.plate for h in store.search("*0055X")] == ["KA0055XX"]
    assert [h.plate for h in store.search("*55X", camera="bridge", limit=5)] == [
        f"KA{m:02d}55XX" for m in (39, 36, 33, 30, 27)
    ]
    until = T0 + timedelta(minutes=10)
    assert [h.plate for h in store.search("*55X", until=until)] == [
        f"KA{m:02d}55XX" for m in range(9, -1, -1)
    ]
    assert len(store.search("*55X", limit=100)) == 40
