"""The hub talks only to the pinned node (README, "Video stays on the node"): a machine answering at a
node's address with another certificate receives nothing, not a request line and never the node's key,
and the hub says why. A real TLS server on loopback records every byte it is sent."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest
from node_parts import hub_key, self_signed

from edge.layout import DataLayout
from edge.node_client import NodeClient, NodeUnreachable


def test_a_machine_with_another_certificate_at_the_nodes_address_is_sent_nothing(tmp_path):
    pinned = self_signed(tmp_path / "node")  # the node's certificate, as the hub's [[nodes]] pins it
    self_signed(tmp_path / "impostor")
    tls: Path = DataLayout(tmp_path / "impostor").tls_dir
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls / "cert.pem", tls / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def impostor() -> None:
        sock, _ = listener.accept()
        sock.settimeout(5)
        with context.wrap_socket(sock, server_side=True) as conn:
            try:
                while chunk := conn.recv(4096):
                    received.extend(chunk)
            except (OSError, ssl.SSLError):
                pass  # the hub hung up

    thread = threading.Thread(target=impostor, daemon=True)
    thread.start()
    key_file, _ = hub_key(tmp_path, "village-a")
    client = NodeClient("village-a", f"https://127.0.0.1:{listener.getsockname()[1]}", pinned, key_file)
    try:
        with pytest.raises(NodeUnreachable, match="certificate other than its \\[\\[nodes\\]\\] fingerprint"):
            client.get("sightings", 1, "crop")
        thread.join(timeout=10)
    finally:
        listener.close()
    assert not thread.is_alive()
    assert bytes(received) == b"", f"the impostor was sent {bytes(received)[:80]!r}"
