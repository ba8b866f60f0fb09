"""A node's outbox (plate_index.outbox): every sighting reaches the shared index once, in order, after
outages of PostgreSQL too; writing sightings never waits for the index; deletions follow.

The outage test stops the real PostgreSQL server while a writer stores a sighting every 0.1 s. Its CI
form stops it for 15 s with the shipper's backoff capped at 5 s: the shipper fails, backs off to its
ceiling and keeps retrying there, which is all a longer outage adds (a longer outbox, the same states).
The long form, DOZOR_INDEX_OUTAGE_SECONDS=60, is the issue's 60 s.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import closing
from datetime import UTC, datetime

import psycopg
import pytest

from edge.backoff import Backoff
from edge.clock import ManualClock, to_epoch
from edge.config import parse_config
from edge.layout import DataLayout
from plate_index import outbox
from plate_index.outbox import Shipper
from plate_index.retention import prune_plates
from plate_index.search import search
from plate_index.store import NewSighting, insert_sighting, open_store, update_sighting

NODE = "village-a"
OUTAGE_SECONDS = float(os.environ.get("DOZOR_INDEX_OUTAGE_SECONDS", "15"))


def _sighting(n: int, start: float, plate: str | None = None) -> NewSighting:
    return NewSighting("road-north", plate or f"BH{n:04d}AA", start, start + 2, 0.9, 3,
                       alternatives=[f"8H{n:04d}AA"], crop_path=f"plates/c/{n}.jpg")


def _index_rows(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT node_id, plate FROM sightings WHERE node = %s ORDER BY node_id",
                            (NODE,)).fetchall()


def _drain(shipper: Shipper, conn) -> None:
    while shipper.ship_once(conn):
        pass


@pytest.fixture
def node(tmp_path):
    conn = open_store(tmp_path / "plates.db")
    yield conn
    conn.close()


def test_sightings_and_their_rewrites_reach_the_index_once(node, tmp_path, postgres_url):
    start = time.time() - 600
    first = insert_sighting(node, _sighting(1, start))
    shipper = Shipper(tmp_path / "plates.db", postgres_url, NODE, batch=2)
    outbox.enable(node)  # what Shipper.start does: the sighting stored before is queued too
    insert_sighting(node, _sighting(2, start + 60))
    update_sighting(node, first, _sighting(1, start, plate="BH7777AA"))  # grouping finished it
    _drain(shipper, node)
    assert _index_rows(postgres_url) == [(1, "BH7777AA"), (2, "BH0002AA")]
    _drain(shipper, node)  # shipping again changes nothing
    with psycopg.connect(postgres_url) as pg:
        # BH7777AA: itself, 8H7777AA, its alternative 8H0001AA; BH0002AA: itself, 8H0002AA
        assert pg.execute("SELECT count(*) FROM sighting_keys").fetchone()[0] == 5
    assert outbox.state(node).waiting == 0


def test_a_batch_shipped_twice_leaves_one_copy(node, tmp_path, postgres_url):
    """The index committed but the node died before taking the batch off its outbox: it is sent again."""
    for n in range(5):
        insert_sighting(node, _sighting(n, time.time() - 300 + n))
    outbox.enable(node)
    shipper = Shipper(tmp_path / "plates.db", postgres_url, NODE)
    queued = node.execute("SELECT seq, sighting_id, deleted, queued FROM outbox").fetchall()
    shipper.ship_once(node)
    node.executemany("INSERT INTO outbox (seq, sighting_id, deleted, queued) VALUES (?,?,?,?)", queued)
    node.commit()
    shipper.ship_once(node)
    assert [row[0] for row in _index_rows(postgres_url)] == [1, 2, 3, 4, 5]


def test_a_single_appliance_queues_nothing(node):
    insert_sighting(node, _sighting(1, time.time()))
    assert outbox.state(node).waiting == 0 and not outbox.state(node).enabled
    outbox.enable(node)
    outbox.disable(node)  # [index] removed from the config
    insert_sighting(node, _sighting(2, time.time()))
    assert outbox.state(node).waiting == 0


def test_two_appliances_under_one_name_never_overwrite_each_other_and_a_rename_moves_a_nodes_sightings(
    tmp_path, postgres_url
):
    """Two nodes left with `node = ""` on the same default host name ("raspberrypi") would ship under one
    name, and sightings are keyed by (node, plates.db id): the second would overwrite the first's. The
    index refuses the second (its sightings wait in its outbox, the error in `dozor status`); renamed,
    it ships, and the first renamed leaves nothing behind under its old name."""
    from plate_index.pg_nodes import NameTaken

    def rows(node: str) -> list[tuple[int, str]]:
        with psycopg.connect(postgres_url) as conn:
            return conn.execute("SELECT node_id, plate FROM sightings WHERE node = %s ORDER BY node_id",
                                (node,)).fetchall()

    stores = {}
    for name, plates in (("first", ["BH0001AA", "BH0002AA"]), ("second", ["KA9999KA"])):
        stores[name] = conn = open_store(tmp_path / f"{name}.db")
        outbox.enable(conn)
        for n, plate in enumerate(plates):
            insert_sighting(conn, _sighting(n, time.time() - 100 + n, plate=plate))
    try:
        _drain(Shipper(tmp_path / "first.db", postgres_url, "raspberrypi"), stores["first"])
        second = Shipper(tmp_path / "second.db", postgres_url, "raspberrypi")
        with pytest.raises(NameTaken, match="raspberrypi"):
            second.ship_once(stores["second"])
        second.stop()
        assert rows("raspberrypi") == [(1, "BH0001AA"), (2, "BH0002AA")]  # the first's, untouched
        assert outbox.state(stores["second"]).waiting == 1  # kept for later, nothing lost

        _drain(Shipper(tmp_path / "second.db", postgres_url, "village-b"), stores["second"])
        assert rows("village-b") == [(1, "KA9999KA")]
        _drain(Shipper(tmp_path / "first.db", postgres_url, "village-a"), stores["first"])
        assert rows("village-a") == [(1, "BH0001AA"), (2, "BH0002AA")]
        assert rows("raspberrypi") == []  # nothing left under the old name, retention can reach it all
        with psycopg.connect(postgres_url) as pg:
            names = [n for (n,) in pg.execute("SELECT name FROM nodes ORDER BY name").fetchall()]
        assert names == ["village-a", "village-b"]

        # village-b rebuilt on a new disk: a new appliance, refused until its old name is released
        stores["rebuilt"] = rebuilt = open_store(tmp_path / "rebuilt.db")
        outbox.enable(rebuilt)
        insert_sighting(rebuilt, _sighting(1, time.time(), plate="KA1111KA"))
        with pytest.raises(NameTaken, match="rebuilt on a new disk"):
            _drain(Shipper(tmp_path / "rebuilt.db", postgres_url, "village-b"), rebuilt)
        with psycopg.connect(postgres_url) as pg:  # the README's release, on the hub
            pg.execute("DELETE FROM sightings WHERE node = 'village-b'")
            pg.execute("DELETE FROM nodes WHERE name = 'village-b'")
        _drain(Shipper(tmp_path / "rebuilt.db", postgres_url, "village-b"), rebuilt)
        assert rows("village-b") == [(1, "KA1111KA")]
    finally:
        for conn in stores.values():
            conn.close()


def test_a_node_that_stopped_shipping_leaves_nothing_in_the_index_past_the_retention(
    tmp_path, postgres_url
):
    """A node that died or was taken out of the hromada ([index] removed) no longer deletes its sightings
    from the index as its retention runs; the nodes still running do it for it, by the index's clock.
    A node still running keeps what it keeps (a hold past the retention is its own business)."""
    from recording import wait_until

    def plates(node: str) -> list[str]:
        with psycopg.connect(postgres_url) as conn:
            return [p for (p,) in conn.execute(
                "SELECT plate FROM sightings WHERE node = %s ORDER BY plate", (node,)).fetchall()]

    now = time.time()
    for node, ages in (("village-b", {"BH2020BB": 20, "BH0101BB": 1}), ("village-c", {"BH2020CC": 20})):
        path = tmp_path / f"{node}.db"
        with closing(open_store(path)) as conn:
            outbox.enable(conn)
            for n, (plate, days) in enumerate(ages.items()):
                insert_sighting(conn, _sighting(n, now - days * 86400, plate=plate))
            _drain(Shipper(path, postgres_url, node), conn)
    with psycopg.connect(postgres_url) as pg:  # village-b has not been heard from for 15 days
        pg.execute("UPDATE nodes SET heard_at = heard_at - 15 * 86400 WHERE name = 'village-b'")
    running = Shipper(tmp_path / f"{NODE}.db", postgres_url, NODE, keep_days=14)  # as the daemon starts it
    running.start()
    try:
        assert wait_until(lambda: plates("village-b") == ["BH0101BB"], 30), plates("village-b")
    finally:
        running.stop()
    assert plates("village-c") == ["BH2020CC"]  # heard from now: its own retention and holds decide


def test_postgresql_stopped_while_cars_pass_every_sighting_arrives_once(
    tmp_path, postgres_server, postgres_url
):
    path = tmp_path / "plates.db"
    open_store(path).close()
    shipper = Shipper(path, postgres_url, NODE, backoff=Backoff(0.5, 5.0))
    shipper.start()
    writes: list[float] = []  # how long each sighting took to store, in seconds
    stop = threading.Event()

    def cars_pass() -> None:
        with closing(open_store(path)) as worker:
            n = 0
            while not stop.is_set():
                began = time.monotonic()
                insert_sighting(worker, _sighting(n, time.time()))
                writes.append(time.monotonic() - began)
                n += 1
                stop.wait(0.1)

    writer = threading.Thread(target=cars_pass)
    writer.start()
    try:
        time.sleep(2)
        postgres_server.stop()
        time.sleep(OUTAGE_SECONDS)
        with closing(open_store(path)) as conn:
            during = outbox.state(conn)
        postgres_server.start()
        back = time.monotonic()
        time.sleep(2)
        stop.set()
        writer.join()
        with closing(open_store(path)) as conn:
            deadline = time.monotonic() + 60
            while outbox.state(conn).waiting and time.monotonic() < deadline:
                time.sleep(0.2)
            caught_up = time.monotonic() - back
            stored = [row[0] for row in conn.execute("SELECT id FROM sightings ORDER BY id")]
            after = outbox.state(conn)
    finally:
        stop.set()
        writer.join()
        shipper.stop()
        if postgres_server.process is None:
            postgres_server.start()
    print(f"outage {OUTAGE_SECONDS:.0f} s: {len(stored)} sightings stored, {during.waiting} waiting at its "
          f"end, caught up {caught_up:.1f} s after the server returned, "
          f"slowest write {max(writes) * 1000:.1f} ms")
    assert during.waiting >= OUTAGE_SECONDS * 5 and during.last_error  # it queued, and says why
    assert after.waiting == 0 and after.last_error == ""
    assert [row[0] for row in _index_rows(postgres_url)] == stored  # each once, none missing
    with psycopg.connect(postgres_url) as pg:
        assert pg.execute("SELECT count(*) FROM sighting_keys").fetchone()[0] == 2 * len(stored)
    assert len(stored) >= (OUTAGE_SECONDS + 4) * 5
    assert max(writes) < 0.5, f"storing a sighting waited {max(writes):.2f} s"  # never on the index


def test_retention_deletes_leave_the_index(tmp_path, postgres_url):
    data = tmp_path / "data"
    layout = DataLayout(data)
    layout.plates_db.parent.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(start=datetime.now(UTC))
    now = to_epoch(clock.now())
    config = parse_config({"storage": {"path": str(data), "retention_days": 14},
                           "index": {"url": postgres_url, "node": NODE}})
    with closing(open_store(layout.plates_db)) as conn:
        outbox.enable(conn)
        for n, age_days in enumerate([20, 15, 1]):
            insert_sighting(conn, _sighting(n, now - age_days * 86400))
        shipper = Shipper(layout.plates_db, postgres_url, NODE)
        _drain(shipper, conn)
        assert len(_index_rows(postgres_url)) == 3
        assert prune_plates(config, clock) == 2  # the daemon's retention job
        _drain(shipper, conn)
        assert [row[1] for row in _index_rows(postgres_url)] == ["BH0002AA"]
        clock.advance(14 * 86400)  # the last one ages out too
        prune_plates(config, clock)
        _drain(shipper, conn)
    assert _index_rows(postgres_url) == []
    with psycopg.connect(postgres_url) as pg:
        assert pg.execute("SELECT count(*) FROM sighting_keys").fetchone()[0] == 0


def test_a_sighting_shipped_is_found_on_the_index_as_on_the_node(node, tmp_path, postgres_url):
    from plate_index.pg_index import PostgresIndex

    outbox.enable(node)
    ids = [insert_sighting(node, _sighting(n, time.time() - 100 + n, plate=plate))
           for n, plate in enumerate(["BH1234AA", "BE7O12AA", "KA1234XX"])]
    _drain(Shipper(tmp_path / "plates.db", postgres_url, NODE), node)
    # the direction is known once the car has gone (grouping rewrites the sighting): the rewrite ships it
    went = _sighting(0, time.time() - 100, plate="BH1234AA")
    went.direction = "away"
    update_sighting(node, ids[0], went)
    _drain(Shipper(tmp_path / "plates.db", postgres_url, NODE), node)
    index = PostgresIndex.open(postgres_url)
    try:
        for query, direction in [("BH1", None), ("*1234", None), ("8E7", None), ("*7012", None),
                                 ("BH1", "away"), ("*1234", "away"), ("*1234", "towards")]:
            local = [(h.plate, h.match, h.direction) for h in search(node, query, direction=direction)]
            shared = [(h.plate, h.match, h.direction) for h in index.search(query, direction=direction)]
            assert shared == local, (query, direction)
        assert [h.plate for h in index.search("*1234", direction="away")] == ["BH1234AA"]
    finally:
        index.close()


def test_dozor_status_shows_how_far_behind_and_every_node(tmp_path, postgres_server, postgres_url):
    import json

    from click.testing import CliRunner

    from dozor.cli import main

    data = tmp_path / "data"
    layout = DataLayout(data)
    layout.plates_db.parent.mkdir(parents=True, exist_ok=True)
    with closing(open_store(layout.plates_db)) as conn:
        outbox.enable(conn)
        for n in range(3):
            insert_sighting(conn, _sighting(n, time.time()))
        Shipper(layout.plates_db, postgres_url, NODE, batch=1).ship_once(conn)  # one of three shipped
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data}"\n[index]\nurl = "{postgres_url}"\nnode = "{NODE}"\n')
    result = CliRunner().invoke(main, ["status", "--config", str(config), "--json"])
    index = json.loads(result.stdout)["index"]
    assert index["waiting"] == 2 and index["reachable"] and index["shipped_at"]
    (shipped,) = index["nodes"]
    assert shipped == {"node": NODE, "shipped_at": index["shipped_at"], "waiting": 2, "sightings": 1,
                       "last_sighting": shipped["last_sighting"]}
    assert shipped["last_sighting"] <= index["shipped_at"]  # the newest sighting shipped, ISO-8601 UTC
    text = CliRunner().invoke(main, ["status", "--config", str(config)]).stdout
    assert f"shared index: node {NODE}, 2 change(s) waiting in the outbox" in text
    config.write_text(f'[storage]\npath = "{data}"\n[index]\n'
                      f'url = "postgresql://dozor@127.0.0.1:{postgres_server.port + 1}/x"\nnode = "{NODE}"\n')
    text = CliRunner().invoke(main, ["status", "--config", str(config)]).stdout
    assert "shared index: NOT REACHABLE now" in text and "2 change(s) waiting" in text
    with closing(open_store(layout.plates_db)) as conn, conn:
        conn.execute("UPDATE outbox SET queued = queued - 7200")  # the link has been down for two hours
    result = CliRunner().invoke(main, ["status", "--config", str(config), "--json"])
    assert result.exit_code == 1
    assert any("shared plate index is 2 h" in e for e in json.loads(result.stdout)["errors"])


def test_sightings_older_than_the_video_left_after_a_disk_cap_deletion_leave_the_index(
    tmp_path, postgres_url
):
    """The recorder deleted the oldest video to keep the disk cap: plate data older than the video left
    goes too (plate_index.retention, run at once after such a deletion), from the index as well."""
    from webapp import add_segment_row

    from recorder.catalog import Catalog

    data = tmp_path / "data"
    layout = DataLayout(data)
    layout.plates_db.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    config = parse_config({"storage": {"path": str(data)}, "index": {"url": postgres_url, "node": NODE}})
    catalog = Catalog(layout)
    add_segment_row(catalog, layout, "road-north", datetime.fromtimestamp(now - 3600, UTC))  # oldest left
    catalog.close()
    with closing(open_store(layout.plates_db)) as conn:
        outbox.enable(conn)
        for n, age in enumerate([3 * 86400, 7200, 60]):  # all within the 14 days of retention
            insert_sighting(conn, _sighting(n, now - age))
        shipper = Shipper(layout.plates_db, postgres_url, NODE)
        _drain(shipper, conn)
        assert prune_plates(config, ManualClock(datetime.fromtimestamp(now, UTC))) == 2
        _drain(shipper, conn)
    assert [row[1] for row in _index_rows(postgres_url)] == ["BH0002AA"]
