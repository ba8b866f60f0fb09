"""The SQL rows of bench/pg_fill.py against bench/search.py's Python ones: the same plate mix, and each
row's keys exactly plate_index.store.search_keys of its plate and alternatives."""

from __future__ import annotations

import math
import random
import statistics

import psycopg
from pg_fill import keys_sql, rows_sql
from search import LOCAL_CODES, alternatives, plate

from plate_index.store import search_keys


def check_mix(conn: psycopg.Connection, count: int = 20_000) -> dict[str, tuple[float, float]]:
    """The SQL's rows against search.py's: share of each region code, alternatives and keys per sighting,
    plate length (SQL, Python); raises AssertionError when a share differs by more than sampling allows,
    or when a row's SQL keys are not search_keys of its plate and alternatives."""
    sql = rows_sql(0.0, 1.0)
    span = {"lo": 1, "hi": count}
    rows = conn.execute(f"SELECT plate, alt1, alt2 FROM ({sql}) r ORDER BY i", span).fetchall()
    keys: dict[int, set[tuple[int, str]]] = {}
    for i, kind, key, *_ in conn.execute(keys_sql(0.0, 1.0), span):
        keys.setdefault(i, set()).add((kind, key))
    for i, (text, *alts) in enumerate(rows, start=1):
        expected = set(search_keys(text, [a for a in alts if a]))
        assert keys.get(i, set()) == expected, (text, alts, keys.get(i), expected)
    rng = random.Random(7)
    python = []
    for _ in range(count):
        text = plate(rng)
        python.append((text, *alternatives(rng, text)))
    ours = [(text, *(a for a in alts if a)) for text, *alts in rows]

    def stats(sample: list[tuple[str, ...]]) -> dict[str, list[float]]:
        """Per-sighting values whose means are compared."""
        out: dict[str, list[float]] = {f"code {code}": [float(s[0][:2] == code) for s in sample]
                                       for code in LOCAL_CODES}
        out["alternatives per sighting"] = [len(s) - 1.0 for s in sample]
        out["keys per sighting"] = [float(len(search_keys(s[0], list(s[1:])))) for s in sample]
        out["plate length"] = [float(len(s[0])) for s in sample]
        return out

    mine, theirs = stats(ours), stats(python)
    compared = {}
    for name in mine:
        a, b = statistics.fmean(mine[name]), statistics.fmean(theirs[name])
        spread = math.sqrt((statistics.pvariance(mine[name]) + statistics.pvariance(theirs[name])) / count)
        assert abs(a - b) <= 4 * spread + 0.005 * b, f"{name}: SQL {a:.4f}, search.py {b:.4f}"
        compared[name] = (a, b)
    return compared
