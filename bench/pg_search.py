"""The shared index at scale: search latency on PostgreSQL with N sightings from 10 nodes, and whether
shipping keeps up with 10 nodes x 24 cameras.

The sightings are bench/search.py's (a district's plates: BH alone 45 %, 40 % with alternative readings,
14 days), spread over 10 nodes of 24 cameras, loaded with COPY into the product's schema
(plate_index.pg_index.migrate; its key indexes dropped during the load and rebuilt from their own
definitions). Queries are bench/search.py's: first three characters of random plates, a quarter typed
in Cyrillic, through PostgresIndex.search as the hub's web UI calls it. The server is Debian's
PostgreSQL with its default settings (shared_buffers 128 MB), fsync on, in bench/out/pg-N (kept: the
load runs once per size).

Shipping: 10 nodes, each a plates.db with S sightings queued (each also rewritten once, as grouping
does), shipped by 10 Shipper threads at once into the filled index; the figure is sightings shipped per
second, against village traffic (a car every 30 s on each of 240 cameras: 8 sightings/s).

    .venv/bin/python bench/pg_search.py --sightings 5000000
Last line: `pg_search p50_ms=X p95_ms=Y sightings=N nodes=10` (issue 17's goal: p95 < 50 ms at 50,000,000).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import psycopg  # noqa: E402
from postgres import PostgresServer, bin_dir  # noqa: E402  (tests/postgres.py)
from search import CAMERAS, DAYS, alternatives, p95, plate, queries, wildcard_queries  # noqa: E402

from plate_index import outbox  # noqa: E402
from plate_index.normalise import normalise  # noqa: E402
from plate_index.outbox import Shipper  # noqa: E402
from plate_index.pg_index import PostgresIndex, migrate  # noqa: E402
from plate_index.store import NewSighting, insert_sighting, open_store, search_keys, update_sighting  # noqa: E402

NODES = [f"village-{i:02d}" for i in range(10)]
VILLAGE_RATE = 240 / 30  # sightings per second: 10 nodes x 24 cameras, a car every 30 s on each


def fill(url: str, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = time.time() - DAYS * 86400
    step = DAYS * 86400 / count
    with psycopg.connect(url) as conn:
        migrate(conn)
        definitions = [row[0] for row in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'sighting_keys' "
            "AND indexname <> 'sighting_keys_pkey'"
        )]
        with conn.transaction():
            conn.execute("ALTER TABLE sighting_keys DROP CONSTRAINT sighting_keys_sighting_id_fkey")
            for name in ("sighting_keys_by_key3", "sighting_keys_by_key", "sighting_keys_by_grams"):
                conn.execute(f"DROP INDEX {name}")
        began, done = time.perf_counter(), 0
        while done < count:
            chunk = min(500_000, count - done)
            with conn.transaction(), conn.cursor() as cur, tempfile.TemporaryFile("w+") as keys:
                with cur.copy("COPY sightings (id, node, node_id, camera, plate, first_seen, last_seen, "
                              "confidence, reads, alternatives, crop_path) FROM STDIN") as copy:
                    for i in range(done + 1, done + chunk + 1):
                        first = start + i * step + rng.random() * step
                        text = plate(rng)
                        alts = [normalise(a) for a in alternatives(rng, text)]
                        node = NODES[i % len(NODES)]
                        camera = rng.choice(CAMERAS)
                        copy.write_row((i, node, i, camera, text, first, first + 3, 0.9, 5,
                                        "[" + ",".join(f'"{a}"' for a in alts) + "]", f"plates/{i}.jpg"))
                        for kind, key in search_keys(text, alts):
                            keys.write(f"{i}\t{kind}\t{key}\t{first!r}\t{camera}\n")
                keys.seek(0)
                with cur.copy("COPY sighting_keys (sighting_id, kind, key, first_seen, camera) "
                              "FROM STDIN") as kc:
                    while block := keys.read(1 << 20):
                        kc.write(block)
            done += chunk
            rate = done / (time.perf_counter() - began)
            print(f"loaded {done:,} sightings ({rate:,.0f}/s)", file=sys.stderr)
        conn.execute("SELECT setval(pg_get_serial_sequence('sightings', 'id'), %s)", (count,))
        for definition in definitions:
            began = time.perf_counter()
            conn.execute(definition)  # type: ignore[arg-type]  # the schema's own definitions
            print(f"{definition[:60]}... {time.perf_counter() - began:.0f} s", file=sys.stderr)
        conn.execute("ALTER TABLE sighting_keys ADD CONSTRAINT sighting_keys_sighting_id_fkey "
                     "FOREIGN KEY (sighting_id) REFERENCES sightings (id) ON DELETE CASCADE")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def timed(index: PostgresIndex, items: list[str], **filters) -> list[float]:
    times = []
    for query in items:
        began = time.perf_counter()
        index.search(query, **filters)
        times.append((time.perf_counter() - began) * 1000)
    return times


def shipping(url: str, per_node: int, folder: Path) -> float:
    """Sightings per second that 10 nodes' shippers put into the index together."""
    paths = []
    for node in NODES:
        path = folder / f"{node}.db"
        path.unlink(missing_ok=True)
        with closing(open_store(path)) as conn:
            outbox.enable(conn)
            rng = random.Random(node)
            now = time.time()
            for n in range(per_node):
                text = plate(rng)
                new = NewSighting(rng.choice(CAMERAS), text, now + n, now + n + 1, 0.7, 1)
                sighting_id = insert_sighting(conn, new)
                new.reads, new.alternatives = 5, alternatives(rng, text)
                update_sighting(conn, sighting_id, new)  # grouping finishes it: a second outbox entry
        paths.append(path)
    shippers = [Shipper(path, url, node) for path, node in zip(paths, NODES, strict=True)]

    def drain(shipper: Shipper) -> None:
        with closing(open_store(shipper.plates_db)) as conn:
            while shipper.ship_once(conn):
                pass

    threads = [threading.Thread(target=drain, args=(s,)) for s in shippers]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    for shipper in shippers:
        shipper.stop()
    return per_node * len(NODES) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--ship", type=int, default=2000, help="sightings queued on each of the 10 nodes")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()
    folder = args.out / f"pg-{args.sightings}"
    folder.mkdir(parents=True, exist_ok=True)
    found = bin_dir()
    if found is None:
        sys.exit("PostgreSQL is not installed (scripts/install-deps.sh)")
    server = PostgresServer(found, folder, durable=True)
    fresh = not (folder / "loaded").exists()
    if fresh and server.data.exists():
        import shutil

        shutil.rmtree(server.data)
    try:
        if fresh:
            server.initdb()
        server.start()
        url = server.url
        if fresh:
            fill(url, args.sightings)
            (folder / "loaded").touch()
        index = PostgresIndex.open(url)
        prefixes = queries(args.queries)
        timed(index, prefixes[:50])  # warm the cache as a running hub has it
        three = timed(index, prefixes)
        camera = timed(index, prefixes[:200], camera="cam-07")
        patterns = wildcard_queries(200)
        timed(index, patterns[:20])
        leading = timed(index, patterns)
        rng = random.Random(3)
        full = timed(index, [plate(rng) for _ in range(200)])
        index.close()
        rate = shipping(url, args.ship, folder)
        print(f"full-plate queries: p50_ms={statistics.median(full):.2f} p95_ms={p95(full):.2f}")
        print(f"3-char with camera: p50_ms={statistics.median(camera):.2f} p95_ms={p95(camera):.2f}")
        print(f"wildcard (*1234): p50_ms={statistics.median(leading):.2f} p95_ms={p95(leading):.2f}")
        print(f"shipping: {rate:,.0f} sightings/s from 10 nodes at once "
              f"({rate / VILLAGE_RATE:,.0f}x village traffic of {VILLAGE_RATE:.0f}/s)")
        print(f"pg_search p50_ms={statistics.median(three):.2f} p95_ms={p95(three):.2f} "
              f"sightings={args.sightings} nodes={len(NODES)}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
