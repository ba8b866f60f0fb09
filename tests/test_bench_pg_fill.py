"""bench/pg_fill.py generates the shared index's bench rows in SQL: they must be the rows search.py's
Python would make (its plate mix, search_keys of each plate), and the load must leave the product's own
schema behind, every index and constraint rebuilt and working."""

import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from pg_fill import Schema, fill  # noqa: E402
from pg_mix import check_mix  # noqa: E402

from plate_index.pg_index import PostgresIndex, migrate  # noqa: E402
from plate_index.store import NewSighting  # noqa: E402


def test_sql_rows_have_search_py_plate_mix_and_product_keys(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        compared = check_mix(conn, 5000)  # raises on drift or on a key search_keys would not make
    assert 0.30 < compared["code BH"][0] < 0.45
    assert 2.0 < compared["keys per sighting"][0] < 2.6


def test_load_leaves_the_product_schema_searchable_and_writable(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        migrate(conn)
        before = Schema.read(conn)
    times = fill(postgres_url, 3000, lambda line: None)
    assert "load (both at once)" in times
    index = PostgresIndex.open(postgres_url)
    try:
        after = Schema.read(index.conn)
        assert sorted(after.plain) == sorted(before.plain)
        assert sorted(after.unique) == sorted(before.unique)
        assert sorted(after.foreign) == sorted(before.foreign)
        hits = index.search("BH1", limit=20)
        assert len(hits) == 20 and all(hit.match for hit in hits)
        assert [hit.first_seen for hit in hits] == sorted((hit.first_seen for hit in hits), reverse=True)
        assert hits[0].crop_path and hits[0].crop_path.startswith("plates/")
        assert hits[0].scene_path == hits[0].crop_path.replace("-crop.jpg", "-scene.jpg")
        with index.conn.transaction():  # a node ships after the load: new ids, the cascade still works
            index.put("village-00", [(5, NewSighting("cam-01", "BH9999QQ", 1.0, 2.0, 0.9, 3))])
        assert index.search("BH9999QQ")[0].node_sighting == 5
        with index.conn.transaction():
            assert index.delete("village-00", [5]) == 1
        orphans = index.conn.execute(
            "SELECT count(*) FROM sighting_keys k "
            "WHERE NOT EXISTS (SELECT 1 FROM sightings s WHERE s.id = k.sighting_id)"
        ).fetchone()
        assert orphans == (0,)
    finally:
        index.close()
