"""The parts of a hub and its nodes for the tests of issue 17: a node's self-signed certificate (as its
install makes one) and the hub's config naming its nodes (pinned fingerprint, key file)."""

from __future__ import annotations

import hashlib
import ssl
import subprocess
from pathlib import Path
from typing import Any

from webapp import WebSite, make_config

from edge.config import parse_config
from edge.layout import DataLayout
from edge.node_client import new_key


def self_signed(data_dir: Path) -> str:
    """A certificate and key in the node's <storage.path>/tls (as scripts/install-system.sh makes
    them); returns its SHA-256 fingerprint, what the hub pins."""
    tls = DataLayout(data_dir).tls_dir
    tls.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=dozor-node",
         "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")],
        check=True, capture_output=True,
    )
    der = ssl.PEM_cert_to_DER_cert((tls / "cert.pem").read_text())
    return hashlib.sha256(der).hexdigest()


def hub_key(folder: Path, node: str) -> tuple[Path, str]:
    """A hub's key file for `node` (what `dozor node-key` writes) and the hash the node's config holds."""
    key, digest = new_key()
    path = folder / f"{node}.key"
    path.write_text(key + "\n")
    path.chmod(0o600)
    return path, digest


def ship(data_dir: Path, url: str, node: str) -> None:
    """Everything the node's plates.db holds shipped to the index at `url` (as its shipper would)."""
    from contextlib import closing

    from plate_index import outbox
    from plate_index.outbox import Shipper
    from plate_index.store import open_store

    plates_db = DataLayout(data_dir).plates_db
    with closing(open_store(plates_db)) as conn:
        outbox.enable(conn)
        shipper = Shipper(plates_db, url, node)
        while shipper.ship_once(conn):
            pass
        shipper.stop()


def node_entry(name: str, port: int, fingerprint: str, key_file: Path) -> dict[str, str]:
    return {"name": name, "url": f"https://127.0.0.1:{port}", "fingerprint": fingerprint,
            "key_file": str(key_file)}


def hub_app(data_dir: Path, index_url: str, nodes: list[dict[str, str]]) -> tuple[WebSite, Any]:
    """The hub's web UI (one account per role) over the shared index, fetching from `nodes`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    raw = make_config(data_dir).model_dump(mode="json")
    config = parse_config({**raw, "index": {"url": index_url, "node": "hub"}, "nodes": nodes})
    site = WebSite(data_dir)
    return site, site.app(config=config)
