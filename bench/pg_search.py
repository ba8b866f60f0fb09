"""The shared index at scale: search latency on PostgreSQL with N sightings from 10 nodes, and whether
shipping keeps up with 10 nodes x 24 cameras.

The sightings are bench/search.py's (a district's plates: BH alone 45 %, 40 % with alternative readings,
14 days) with the product's picture paths, spread over 10 nodes of 24 cameras, generated inside
PostgreSQL into the product's schema (plate_index.pg_index.migrate) by bench/pg_fill.py, whose indexes are
dropped for the load and rebuilt from their own definitions. The load runs with load-only server settings
(pg_fill.LOAD_SETTINGS: wal_level=minimal, 1 GB maintenance_work_mem); the server is then restarted with
Debian's defaults (shared_buffers 128 MB, wal_level=replica), fsync on, as a hub runs, before anything is
timed. Queries are bench/search.py's: first three characters of random plates, a quarter typed in
Cyrillic, through PostgresIndex.search as the hub's web UI calls it.

Shipping: 10 nodes, each a plates.db with S sightings queued (each also rewritten once, as grouping
does), shipped by 10 Shipper threads at once into the filled index; the figure is sightings shipped per
second, against village traffic (a car every 30 s on each of 240 cameras: 8 sightings/s).

Disk: the cluster lives in bench/out/pg-N and is deleted at the end unless --keep (a kept one is reused).
The bench refuses to start when its estimate would leave less than 10 GiB free, and stops and deletes
the cluster if free space falls below that while it runs.

    .venv/bin/python bench/pg_search.py --sightings 5000000
Last line: `pg_search p50_ms=X p95_ms=Y sightings=N nodes=10` (issue 17's goal: p95 < 50 ms at 50,000,000).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import psycopg  # noqa: E402
from pg_fill import LOAD_SETTINGS, NODES, TABLES, fill  # noqa: E402
from pg_mix import check_mix  # noqa: E402
from postgres import PostgresServer, bin_dir  # noqa: E402  (tests/postgres.py)
from search import CAMERAS, alternatives, p95, plate, queries, wildcard_queries  # noqa: E402

from plate_index import outbox  # noqa: E402
from plate_index.outbox import Shipper  # noqa: E402
from plate_index.pg_index import PostgresIndex, migrate  # noqa: E402
from plate_index.store import NewSighting, insert_sighting, open_store, update_sighting  # noqa: E402

VILLAGE_RATE = 240 / 30  # sightings per second: 10 nodes x 24 cameras, a car every 30 s on each
MIN_FREE = 10 * 2**30  # what the bench leaves free on the disk for everyone else
PEAK_BYTES_PER_SIGHTING = 1000  # cluster and sort files while indexes build (939 measured at 10,000,000)
GB = 1e9


class DiskGuard:
    """Stops the server (and so the load) when the disk's free space falls below MIN_FREE."""

    def __init__(self, folder: Path, server: PostgresServer):
        self.folder, self.server = folder, server
        self.tripped = False
        self.start = self.lowest = shutil.disk_usage(folder).free
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            free = shutil.disk_usage(self.folder).free
            self.lowest = min(self.lowest, free)
            if free < MIN_FREE:
                self.tripped = True
                self.server.stop()
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def sizes(conn: psycopg.Connection, data: Path) -> list[tuple[str, int]]:
    """Bytes on disk: each table's heap, its TOAST + free-space and visibility maps, each index, the WAL,
    and the whole data folder."""
    out: list[tuple[str, int]] = []
    for table in TABLES:
        heap, total, indexes = conn.execute(
            "SELECT pg_relation_size(%s::regclass), pg_total_relation_size(%s::regclass), "
            "pg_indexes_size(%s::regclass)", (table,) * 3
        ).fetchone() or (0, 0, 0)
        out += [(f"{table} heap", heap), (f"{table} toast+fsm+vm", total - heap - indexes)]
        out += conn.execute(
            "SELECT '  index ' || c.relname, pg_relation_size(c.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass ORDER BY 2 DESC",
            (table,),
        ).fetchall()
    wal = conn.execute("SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()").fetchone()
    out.append(("WAL (pg_wal)", int(wal[0]) if wal else 0))
    out.append(("data folder (du)", sum(f.stat().st_size for f in data.rglob("*") if f.is_file())))
    return out


def column_bytes(conn: psycopg.Connection, table: str) -> list[tuple[str, float]]:
    """Each column's average stored size in a 1 % sample of the table's pages (before alignment)."""
    columns = [row[0] for row in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum", (table,))]
    averages = conn.execute(
        "SELECT " + ", ".join(f"avg(pg_column_size({c}))" for c in columns)
        + f" FROM {table} TABLESAMPLE SYSTEM (1) REPEATABLE (1)"
    ).fetchone() or ()
    return [(c, float(a or 0)) for c, a in zip(columns, averages, strict=False)]


def report_sizes(conn: psycopg.Connection, server: PostgresServer, count: int, target: int) -> None:
    measured = sizes(conn, server.data)
    print(f"disk at {count:,} sightings (bytes per sighting; linear estimate at {target:,}):")
    for name, size in measured:
        print(f"  {name:<44} {size / GB:8.3f} GB {size / count:8.1f} B  {size / count * target / GB:7.1f} GB")
    for table in TABLES:
        rows = conn.execute(f"SELECT reltuples FROM pg_class WHERE relname = '{table}'").fetchone()
        print(f"  {table} ({(rows[0] if rows else 0) / count:.2f} rows per sighting), bytes per row: "
              + ", ".join(f"{c} {b:.1f}" for c, b in column_bytes(conn, table)))


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
    parser.add_argument("--target", type=int, default=50_000_000, help="size the disk figures extrapolate to")
    parser.add_argument("--keep", action="store_true", help="keep the cluster in bench/out/pg-N for a rerun")
    parser.add_argument("--grown", action="store_true",
                        help="load with every index in place, as a hub's grows (slower, looser indexes)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()
    folder = args.out / f"pg-{args.sightings}"
    folder.mkdir(parents=True, exist_ok=True)
    found = bin_dir()
    if found is None:
        sys.exit("PostgreSQL is not installed (scripts/install-deps.sh)")
    server = PostgresServer(found, folder, durable=True)
    fresh = not (folder / "loaded").exists()
    if fresh:
        shutil.rmtree(server.data, ignore_errors=True)
        need, free = args.sightings * PEAK_BYTES_PER_SIGHTING, shutil.disk_usage(folder).free
        if free - need < MIN_FREE:
            shutil.rmtree(folder)
            sys.exit(f"not enough disk: {args.sightings:,} sightings need about {need / GB:.0f} GB, "
                     f"{free / GB:.0f} GB are free and {MIN_FREE / GB:.1f} GB must stay free")
    guard = DiskGuard(folder, server)
    kept = False
    try:
        if fresh:
            server.initdb()
            server.start(LOAD_SETTINGS)
            with psycopg.connect(server.url, autocommit=True) as conn:
                migrate(conn)
                mix = check_mix(conn)
            print("plate mix, SQL vs bench/search.py: " + ", ".join(
                f"{name} {a:.3f}/{b:.3f}" for name, (a, b) in mix.items()))
            print("load-only settings: " + " ".join(f"{k}={v}" for k, v in LOAD_SETTINGS.items())
                  + " (a hub runs the defaults; the search below is timed after a restart with them)")
            began = time.perf_counter()
            times = fill(server.url, args.sightings, lambda line: print(line, file=sys.stderr),
                         build_after=not args.grown)
            times["total load"] = time.perf_counter() - began
            for phase, seconds in times.items():
                print(f"load time: {phase:<44} {seconds:7.1f} s  "
                      f"(linear at {args.target:,}: {seconds / args.sightings * args.target / 60:5.1f} min)")
            server.stop()
            (folder / "loaded").touch()
        server.start()
        url = server.url
        with psycopg.connect(url, autocommit=True) as conn:
            report_sizes(conn, server, args.sightings, args.target)
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
        index = PostgresIndex.open(url)
        began = time.perf_counter()
        shown = index.nodes()  # what `dozor status` on the hub asks: every node's count and newest sighting
        status_ms = (time.perf_counter() - began) * 1000
        index.close()
        print(f"full-plate queries: p50_ms={statistics.median(full):.2f} p95_ms={p95(full):.2f}")
        print(f"3-char with camera: p50_ms={statistics.median(camera):.2f} p95_ms={p95(camera):.2f}")
        print(f"hub status ({len(shown)} nodes' sightings counted, PostgresIndex.nodes): {status_ms:,.0f} ms")
        print(f"wildcard (*1234): p50_ms={statistics.median(leading):.2f} p95_ms={p95(leading):.2f}")
        print(f"shipping: {rate:,.0f} sightings/s from 10 nodes at once "
              f"({rate / VILLAGE_RATE:,.0f}x village traffic of {VILLAGE_RATE:.0f}/s)")
        peak = guard.start - guard.lowest
        print(f"disk: peak use {peak / GB:.2f} GB ({peak / args.sightings:,.0f} B per sighting; includes "
              f"anything others wrote meanwhile), lowest free {guard.lowest / GB:.1f} GB")
        print(f"pg_search p50_ms={statistics.median(three):.2f} p95_ms={p95(three):.2f} "
              f"sightings={args.sightings} nodes={len(NODES)}")
        kept = args.keep
    finally:
        guard.close()
        server.stop()
        if guard.tripped:
            print(f"STOPPED: free disk fell below {MIN_FREE / GB:.1f} GB; the cluster is deleted",
                  file=sys.stderr)
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
