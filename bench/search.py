"""Search latency at scale: fill a plate store with N synthetic sightings, time 3-character prefix searches.

The data looks like a Ukrainian district's: 24 cameras, 14 days, 85 % Ukrainian plates (AA1234BB) whose
region letters are skewed to a few local codes (BH alone is 45 %, so "BH1" matches ~5 % of all rows),
15 % EU and other formats, and 40 % of sightings with one or two alternative readings. Queries are the
first three characters of random stored plates (common prefixes are asked most, as in real use), a
quarter of them typed in Cyrillic. The filled database is cached under bench/out/ (git-ignored).

Wildcard queries (plate_index.wildcard) are timed too: a leading `*` with the digits or the end of a
stored plate (`*1234`, `*234BH`, `*123*`), the way an officer types the part of a plate they saw.

    .venv/bin/python bench/search.py --reads 5000000
Last lines: `wildcard p50_ms=X p95_ms=Y reads=N` (goal: p95 <= 50 ms at 5,000,000) and
`search p50_ms=X p95_ms=Y reads=N` (goal: p95 <= 20 ms at 5,000,000).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from plate_index.search import search  # noqa: E402
from plate_index.store import NewSighting, insert_many, open_store  # noqa: E402

DAYS, CAMERAS = 14, [f"cam-{i:02d}" for i in range(24)]
UA_LETTERS = "ABCEHIKMOPTX"
LOCAL_CODES = {"BH": 0.45, "BB": 0.08, "AA": 0.06, "KA": 0.04, "BI": 0.04, "BE": 0.03}
OTHER_CODES = ["AB", "AC", "AE", "AH", "AI", "AK", "AM", "AO", "AP", "AT", "AX", "BA", "BC", "BK", "BM",
               "BO", "BT", "BX", "CA", "CB", "CE", "HH", "II", "KI"]
TO_CYRILLIC = str.maketrans("ABEIKMHOPCTX", "АВЕІКМНОРСТХ")
CONFUSE = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5", "2": "Z", "Z": "2"}


def ua_plate(rng: random.Random) -> str:
    if rng.random() < sum(LOCAL_CODES.values()):
        code = rng.choices(list(LOCAL_CODES), weights=list(LOCAL_CODES.values()))[0]
    else:
        code = rng.choice(OTHER_CODES)
    return f"{code}{rng.randrange(10000):04d}{rng.choice(UA_LETTERS)}{rng.choice(UA_LETTERS)}"


def other_plate(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPRSTUVWXYZ"
    kind = rng.random()
    if kind < 0.4:  # Polish WA12345
        return "".join(rng.choices(letters, k=2)) + f"{rng.randrange(100000):05d}"
    if kind < 0.7:  # German-like B AB 1234
        return "".join(rng.choices(letters, k=rng.randint(1, 3))) + f"{rng.randrange(10000)}"
    return "".join(rng.choices(letters, k=3)) + f"{rng.randrange(1000):03d}"  # Moldova ABC 123


def plate(rng: random.Random) -> str:
    return ua_plate(rng) if rng.random() < 0.85 else other_plate(rng)


def alternatives(rng: random.Random, text: str) -> list[str]:
    out = []
    for _ in range(rng.choice((1, 1, 2)) if rng.random() < 0.4 else 0):
        i = rng.randrange(len(text))
        swap = CONFUSE.get(text[i]) or rng.choice("0123456789ABCEHIKMOPTX")
        out.append(text[:i] + swap + text[i + 1:])
    return out


def fill(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = time.time() - DAYS * 86400
    conn = open_store(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1500000")  # 1.5 GB while filling: index pages stay in memory
    chunk, next_id, began = 200_000, 1, time.perf_counter()
    step = DAYS * 86400 / count
    while next_id <= count:
        batch = []
        for i in range(next_id, min(count, next_id + chunk - 1) + 1):
            t = start + i * step + rng.random() * step
            text = plate(rng)
            batch.append(NewSighting(
                camera=rng.choice(CAMERAS), plate=text, first_seen=t, last_seen=t + rng.uniform(0.5, 6),
                confidence=rng.uniform(0.6, 1.0), reads=rng.randint(1, 20),
                alternatives=alternatives(rng, text),
                region="Ukraine", region_confidence=0.9, crop_path=f"plates/d/cam/{i}-crop.jpg",
                scene_path=f"plates/d/cam/{i}-scene.jpg",
            ))
        with conn:
            next_id = insert_many(conn, batch, next_id)
        rate = (next_id - 1) / (time.perf_counter() - began)
        print(f"filled {next_id - 1:,} sightings ({rate:,.0f}/s)", file=sys.stderr)
    conn.execute("ANALYZE")
    conn.close()


def queries(count: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        prefix = plate(rng)[:3]
        out.append(prefix.translate(TO_CYRILLIC).lower() if rng.random() < 0.25 else prefix)
    return out


def wildcard_queries(count: int, seed: int = 4) -> list[str]:
    """Leading-* queries from parts of random plates: 4 digits, 3 digits, or digits and region letters."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = ua_plate(rng)
        kind = rng.random()
        if kind < 0.5:
            query = f"*{text[2:6]}"
        elif kind < 0.8:
            start = rng.randrange(2, 4)
            query = f"*{text[start:start + 3]}*"
        else:
            query = f"*{text[4:]}"
        out.append(query.translate(TO_CYRILLIC).lower() if rng.random() < 0.25 else query)
    return out


def positional_queries(count: int, seed: int = 5) -> list[str]:
    """Queries with `?` after the region letters (`BH?12`, `AA?1`): read through the prefix keys."""
    rng = random.Random(seed)
    return [(lambda t: f"{t[:2]}?{t[3:4 + rng.randrange(2)]}")(ua_plate(rng)) for _ in range(count)]


def timed(conn, items: list[str], **kwargs) -> list[float]:
    times = []
    for query in items:
        began = time.perf_counter()
        search(conn, query, **kwargs)
        times.append((time.perf_counter() - began) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=5_000_000, help="sightings in the store")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"search-{args.reads}.db"
    done = args.out / f"search-{args.reads}.done"
    if not done.exists():
        for stale in args.out.glob(f"search-{args.reads}.db*"):
            stale.unlink()
        fill(path, args.reads)
        done.touch()
    conn = open_store(path)
    conn.execute("PRAGMA cache_size=-64000")  # the daemon's default-ish 64 MB, not the fill's
    prefixes = queries(args.queries)
    timed(conn, prefixes[:50])  # warm the OS page cache as a running appliance would have it
    three = timed(conn, prefixes)
    rng = random.Random(3)
    full = timed(conn, [plate(rng) for _ in range(200)])
    camera = timed(conn, prefixes[:200], camera="cam-07")
    print(f"full-plate queries: p50_ms={statistics.median(full):.2f} p95_ms={p95(full):.2f}")
    print(f"3-char with --camera: p50_ms={statistics.median(camera):.2f} p95_ms={p95(camera):.2f}")
    patterns = wildcard_queries(args.queries)
    timed(conn, patterns[:50])
    leading = timed(conn, patterns)
    positional = timed(conn, positional_queries(200))
    print(f"positional (BH?12): p50_ms={statistics.median(positional):.2f} p95_ms={p95(positional):.2f}")
    print(f"wildcard p50_ms={statistics.median(leading):.2f} p95_ms={p95(leading):.2f} reads={args.reads}")
    print(f"search p50_ms={statistics.median(three):.2f} p95_ms={p95(three):.2f} reads={args.reads}")


if __name__ == "__main__":
    main()
