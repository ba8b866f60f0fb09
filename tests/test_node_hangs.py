"""A node that hangs must not hang the hub (issue 17's review): its link is up and its TLS handshake
completes (the pinned certificate), but it never answers a request, as a node whose disk or process is
stuck does. The hub's search answers within its ping's wait and says the video is not reachable; the
pictures and segments then asked of that node are answered at once for a while, not each after the
client's 30-s read wait (16 such requests fill the web UI's threads for every user).

A real PostgreSQL index; the hanging node is a TLS server on loopback holding every connection open.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from node_parts import hub_app, hub_key, node_entry, self_signed, ship
from webapp import read_plate, signed_in

from edge.layout import DataLayout

NODE = "village-a"


@contextmanager
def hanging_node(tls_dir: Path) -> Iterator[int]:
    """A node at 127.0.0.1:<port> that completes the TLS handshake and then says nothing."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_dir / "cert.pem", tls_dir / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            sock.settimeout(5)
            try:
                held.append(context.wrap_socket(sock, server_side=True))
            except (ssl.SSLError, OSError):
                sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for sock in held:
            sock.close()
        listener.close()


@pytest.fixture
def shipped(tmp_path, postgres_url):
    """The node's three cars in the shared index, and its certificate (the hub pins it)."""
    data = tmp_path / NODE
    data.mkdir()
    layout = DataLayout(data)
    moment = datetime.now(UTC) - timedelta(minutes=30)
    for n, plate in enumerate(("BH1204AA", "BH1214AA", "BH1224AA")):
        read_plate(layout, "road-north", plate, moment + timedelta(minutes=n))
    ship(data, postgres_url, NODE)
    return {"tls": layout.tls_dir, "fingerprint": self_signed(data)}


@pytest.mark.timeout(300)
def test_a_hung_node_costs_the_hub_one_wait_not_one_per_picture(tmp_path, postgres_url, shipped):
    key_file, _ = hub_key(tmp_path, NODE)
    with hanging_node(shipped["tls"]) as port:
        _, app = hub_app(tmp_path / "hub", postgres_url, [node_entry(NODE, port, shipped["fingerprint"],
                                                                     key_file)])
        police = signed_in(app, "police")
        started = time.monotonic()
        results = police.get("/api/search?q=BH12").get_json()["results"]
        assert time.monotonic() - started < 10, "the search waited longer than a ping's wait"
        assert len(results) == 3 and all(NODE in r["video_note"] and r["crop_url"] is None for r in results)

        started = time.monotonic()
        for result in results:  # a page, its pictures and its player, as a browser asks for them
            assert police.get(result["url"]).status_code == 200
            assert police.get(result["url"] + "/crop.jpg").status_code == 503
            assert police.get(result["url"] + "/scene.jpg").status_code == 503
        assert police.get(f"/nodes/{NODE}/api/segments/road-north").status_code == 503
        waited = time.monotonic() - started
        assert waited < 3, f"the hub waited {waited:.1f} s for a node it knew was not answering"
