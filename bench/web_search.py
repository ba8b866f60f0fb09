"""`/api/search` latency over HTTP with millions of sightings, against plate_index.search called directly.

Uses bench/search.py's synthetic store (24 cameras, 14 days; cached under bench/out/), serves it with the
real `dozor web` process (its server, sessions, CSRF, audit log: every query writes an audit entry), signs
in as police, and times the same 3-character queries (a quarter typed in Cyrillic) over one keep-alive
HTTP connection. The direct calls in the same run are the reference.

    .venv/bin/python bench/web_search.py --reads 5000000
Last line: `web_search p50_ms=X p95_ms=Y direct_p95_ms=Z ratio=R reads=N` (goal: p95 <= 50 ms).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from accounts.users import Accounts  # noqa: E402
from accounts.webdb import open_web_db  # noqa: E402
from edge.clock import SystemClock  # noqa: E402
from edge.layout import DataLayout  # noqa: E402


def plate_bench():
    """bench/search.py (the plate store's own benchmark): its store generator and query mix."""
    spec = importlib.util.spec_from_file_location("plate_search_bench", REPO / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browserish:
    """One keep-alive HTTP connection with a cookie, like the search page's fetch() calls."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def sign_in(self, user: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/login", urlencode({"username": user, "password": password,
                                                              "csrf_token": token}))
        assert status == 302, f"sign-in failed: {status}"

    def choose_case(self, number: str = "ЄО 1", reason: str = "other") -> None:
        """Police must name a case before any plate data ([access] require_case)."""
        _, page = self.request("GET", "/case")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/case", urlencode({"number": number, "reason": reason,
                                                             "csrf_token": token}))
        assert status == 302, f"choosing a case failed: {status}"


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("dozor web exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("dozor web did not start")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=5_000_000, help="sightings in the store")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args()
    bench = plate_bench()
    args.out.mkdir(parents=True, exist_ok=True)
    store = args.out / f"search-{args.reads}.db"
    if not (args.out / f"search-{args.reads}.done").exists():
        print("filling the store with bench/search.py's generator (once; cached)", file=sys.stderr)
        bench.fill(store, args.reads)
        (args.out / f"search-{args.reads}.done").touch()

    with tempfile.TemporaryDirectory(dir=args.out, prefix="web-search-") as tmp:
        data = Path(tmp)
        os.link(store, data / "plates.db")  # same file, no copy of 1.6 GB
        conn = open_web_db(DataLayout(data))
        Accounts(conn, SystemClock()).add("officer", "police", "bench-password-1")
        conn.close()
        port = free_port()
        config = data / "dozor.toml"
        cameras = "".join(f'[[cameras]]\nname = "{c}"\nurl = "rtsp://10.0.0.1/{c}"\n' for c in bench.CAMERAS)
        config.write_text(f'[storage]\npath = "{data}"\n[web]\nlisten = "127.0.0.1:{port}"\n{cameras}')
        server = subprocess.Popen([str(REPO / ".venv" / "bin" / "dozor"), "--log-level", "WARNING", "web",
                                   "--config", str(config)])
        try:
            wait_until_up(port, server)
            client = Browserish(port)
            client.sign_in("officer", "bench-password-1")
            client.choose_case()
            prefixes = bench.queries(args.queries)
            for query in prefixes[:50]:  # warm the page cache, as on a running appliance
                client.request("GET", "/api/search?q=" + quote(query))
            web, counts = [], []
            for query in prefixes:
                began = time.perf_counter()
                status, body = client.request("GET", "/api/search?q=" + quote(query))
                web.append((time.perf_counter() - began) * 1000)
                assert status == 200, (query, status, body[:200])
                counts.append(json.loads(body)["count"])
        finally:
            server.terminate()
            server.wait(timeout=10)
        direct_conn = bench.open_store(store)
        direct_conn.execute("PRAGMA cache_size=-64000")
        direct = bench.timed(direct_conn, prefixes)
        direct_conn.close()
    print(f"results per query: mean {statistics.mean(counts):.0f} (page size 100)")
    print(f"direct search(): p50_ms={statistics.median(direct):.2f} p95_ms={p95(direct):.2f}")
    print(f"web_search p50_ms={statistics.median(web):.2f} p95_ms={p95(web):.2f} "
          f"direct_p95_ms={p95(direct):.2f} ratio={p95(web) / p95(direct):.2f} reads={args.reads}")


if __name__ == "__main__":
    main()
