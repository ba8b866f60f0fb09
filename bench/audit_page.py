"""`/admin/audit` with a long audit log: what a page load costs now that it checks only the entries after
the checkpoint, against re-hashing the whole chain (what every load did before, and what
`dozor audit verify` still does), in the same run.

Fills a web.db with --entries valid, hash-chained entries, serves it with the real `dozor web` process
and signs in as an admin over HTTP. Then: the loads that catch a never-checked log up (each hashes at
most audit_chain.CHUNK entries), steady-state loads (a police search between two loads adds entries),
and 16 loads at once while /healthz is timed.

    .venv/bin/python bench/audit_page.py --entries 500000
Last line: `audit_page p50_ms=X p95_ms=Y full_verify_ms=Z ratio=R concurrent16_ms=C healthz_max_ms=H
entries=N`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from accounts import audit  # noqa: E402
from accounts.audit import AuditAction  # noqa: E402
from accounts.audit_chain import verify  # noqa: E402
from accounts.users import Accounts  # noqa: E402
from accounts.webdb import open_web_db  # noqa: E402
from edge.clock import SystemClock  # noqa: E402
from edge.layout import DataLayout  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 - a throw-away account of the benchmark


def web_bench():
    """bench/web_search.py: its HTTP client, server start-up wait and p95."""
    spec = importlib.util.spec_from_file_location("web_search_bench", REPO / "bench" / "web_search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fill(data: Path, entries: int) -> None:
    """A log of `entries` searches, chained as accounts.audit.append chains them, in one transaction."""
    conn = open_web_db(DataLayout(data))
    accounts = Accounts(conn, SystemClock())
    accounts.add("olena", "admin", PASSWORD)
    accounts.add("petro", "police", PASSWORD)
    start, prev, rows = time.time() - entries, audit.GENESIS, []
    for entry_id in range(1, entries + 1):
        at, detail = start + entry_id, json.dumps({"camera": "road-north"})
        digest = audit._digest(entry_id, at, "petro", "10.0.0.5", AuditAction.SEARCH, f"BE{entry_id % 1000}",
                               detail, prev)
        rows.append((entry_id, at, "petro", "10.0.0.5", AuditAction.SEARCH, f"BE{entry_id % 1000}", detail,
                     prev, digest))
        prev = digest
    with conn:
        conn.executemany("INSERT INTO audit (id, at, actor, ip, action, target, detail, prev_hash, hash)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("INSERT INTO audit_head (one, last_id, last_hash) VALUES (1, ?, ?)", (entries, prev))
    conn.close()


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500_000)
    parser.add_argument("--loads", type=int, default=50)
    args = parser.parse_args()
    web = web_bench()
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix="audit-page-") as tmp:
        data = Path(tmp)
        fill(data, args.entries)
        conn = open_web_db(DataLayout(data))
        full = [timed(lambda c=conn: verify(c)) for _ in range(3)]
        conn.close()
        port = web.free_port()
        config = data / "dozor.toml"
        config.write_text(f'[storage]\npath = "{data}"\n[web]\nlisten = "127.0.0.1:{port}"\n')
        server = subprocess.Popen([str(REPO / ".venv" / "bin" / "dozor"), "--log-level", "WARNING", "web",
                                   "--config", str(config)])
        try:
            web.wait_until_up(port, server)
            admin, police = web.Browserish(port), web.Browserish(port)
            admin.sign_in("olena", PASSWORD)
            police.sign_in("petro", PASSWORD)
            police.choose_case()
            page = lambda: admin.request("GET", "/admin/audit")  # noqa: E731
            catch_up = []
            while True:
                began = time.perf_counter()
                _, body = page()
                catch_up.append((time.perf_counter() - began) * 1000)
                if b'data-complete="1"' in body:
                    break
            steady = []
            for n in range(args.loads):
                police.request("GET", f"/api/search?q=BE{n % 10}0")
                steady.append(timed(page))
            concurrent, healthz = load_at_once(web, port, 16)
        finally:
            server.terminate()
            server.wait(timeout=10)
    whole = statistics.median(full)
    print(f"full chain verify (every load before): {whole:.0f} ms at {args.entries} entries")
    print(f"catching a never-checked log up: {len(catch_up)} loads, max {max(catch_up):.0f} ms")
    print(f"audit_page p50_ms={statistics.median(steady):.1f} p95_ms={web.p95(steady):.1f} "
          f"full_verify_ms={whole:.0f} ratio={whole / web.p95(steady):.0f} "
          f"concurrent16_ms={concurrent:.0f} healthz_max_ms={healthz:.0f} entries={args.entries}")


def load_at_once(web, port: int, count: int) -> tuple[float, float]:
    """`count` admins load the page at the same moment; (time until all answered, slowest /healthz
    answer meanwhile), in ms."""
    clients = [web.Browserish(port) for _ in range(count)]
    for client in clients:
        client.sign_in("olena", PASSWORD)
    probe, healthz, done = web.Browserish(port), [], threading.Event()

    def watch() -> None:
        while not done.is_set():
            healthz.append(timed(lambda: probe.request("GET", "/healthz")))

    watcher = threading.Thread(target=watch)
    threads = [threading.Thread(target=client.request, args=("GET", "/admin/audit")) for client in clients]
    began = time.perf_counter()
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = (time.perf_counter() - began) * 1000
    done.set()
    watcher.join()
    return elapsed, max(healthz)


if __name__ == "__main__":
    main()
