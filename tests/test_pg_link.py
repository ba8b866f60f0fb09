"""A node's link to the hub's PostgreSQL crosses the hromada's radio bridges, where a machine may sit in
the middle (issue 17's review). With `sslmode=require` alone, libpq checks no certificate, so a machine
answering at the hub's address with a certificate of its own may ask for the password in clear and is
sent it: it then logs in to the real hub as the node, reading and rewriting every village's sightings.
The README's address adds `channel_binding=require`: the node then accepts only a SCRAM exchange bound
to the certificate it sees, which such a machine cannot complete, and sends no password to it; the
real hub (Debian's own certificate, no certificate authority to run) is reached as before.

A real PostgreSQL server with TLS and SCRAM passwords (as Debian's package runs one), and a real TLS
server on loopback posing as the hub.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from node_parts import self_signed
from postgres import PostgresServer, new_server

from dozor.cli import main
from edge.layout import DataLayout

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "village-a-pass-1"


@pytest.fixture
def tls_postgres() -> Iterator[PostgresServer]:
    """A cluster serving TLS (a self-signed certificate, as Debian's snakeoil) with a SCRAM password for
    the role `node` over TLS, as the README's pg_hba.conf line asks."""
    server = new_server("dozor-pgtls-")
    folder = server.folder
    try:
        server.initdb()
        self_signed(folder / "cert")
        tls = DataLayout(folder / "cert").tls_dir
        for name, target in (("cert.pem", "server.crt"), ("key.pem", "server.key")):
            shutil.copy(tls / name, server.data / target)
            (server.data / target).chmod(0o600)
            if server.user:
                entry = pwd.getpwnam(server.user)
                os.chown(server.data / target, entry.pw_uid, entry.pw_gid)
        with open(server.data / "postgresql.conf", "a") as conf:
            conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        hba = server.data / "pg_hba.conf"
        hba.write_text("hostssl all node 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        server.start()
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute(f"CREATE ROLE node LOGIN PASSWORD '{PASSWORD}'")
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


class FakeHub:
    """A machine on the link answering at the hub's address: it answers PostgreSQL's SSLRequest, serves
    TLS with a certificate of its own (the node checks none with sslmode=require) and asks for the
    password in clear, keeping what it is sent (to log in to the real hub as the node afterwards)."""

    def __init__(self, folder: Path):
        self_signed(folder)
        tls = DataLayout(folder).tls_dir
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(tls / "cert.pem", tls / "key.pem")
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.passwords: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with client, suppress(OSError, ssl.SSLError, EOFError):  # the node hanging up
                self._phish(client)

    def _phish(self, client: socket.socket) -> None:
        client.settimeout(10)
        _exactly(client, 8)  # SSLRequest
        client.sendall(b"S")
        with self.context.wrap_socket(client, server_side=True) as tls:
            (length,) = struct.unpack("!i", _exactly(tls, 4))
            _exactly(tls, length - 4)  # the startup message: user, database
            tls.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
            if _exactly(tls, 1) == b"p":
                (length,) = struct.unpack("!i", _exactly(tls, 4))
                self.passwords.append(_exactly(tls, length - 4).rstrip(b"\0").decode())

    def close(self) -> None:
        self.listener.close()


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _readme_index_url() -> str:
    """The node's [index] url as the README writes it."""
    readme = (REPO / "README.md").read_text()
    (url,) = re.findall(r'^url = "(postgresql://[^"]*@hub\.lan[^"]*)"', readme, re.M)
    return url


def test_a_machine_posing_as_the_hub_is_never_sent_the_password_with_the_readmes_address(
    tls_postgres, tmp_path
):
    options = _readme_index_url().partition("?")[2]
    assert "channel_binding=require" in options and "sslmode=require" in options
    fake = FakeHub(tmp_path / "fake")
    try:
        at_fake = f"postgresql://node:{PASSWORD}@127.0.0.1:{fake.port}/postgres?gssencmode=disable"
        with pytest.raises(psycopg.OperationalError):  # sslmode=require alone: the password goes
            psycopg.connect(f"{at_fake}&sslmode=require", connect_timeout=10)
        assert fake.passwords == [PASSWORD]
        with pytest.raises(psycopg.OperationalError, match="channel binding"):
            psycopg.connect(f"{at_fake}&{options}", connect_timeout=10)
        assert fake.passwords == [PASSWORD], "the README's address sent the password to the fake hub"
    finally:
        fake.close()
    real = f"postgresql://node:{PASSWORD}@127.0.0.1:{tls_postgres.port}/postgres?gssencmode=disable&{options}"
    with psycopg.connect(real, connect_timeout=10) as conn:  # the real hub: it works
        assert conn.execute("SELECT current_user").fetchone() == ("node",)


def test_check_config_warns_about_an_index_address_a_machine_in_the_middle_could_answer(tmp_path):
    config = tmp_path / "dozor.toml"
    hub = "postgresql://dozor:pw@hub.lan/dozor"
    for url, warned in ((f"{hub}?sslmode=require", True), (hub, True),
                        (f"{hub}?sslmode=require&channel_binding=require", False),
                        (f"{hub}?sslmode=verify-full", False),
                        ("postgresql://dozor:pw@127.0.0.1/dozor", False)):
        config.write_text(f'[storage]\npath = "{tmp_path}"\n[index]\nurl = "{url}"\nnode = "village-a"\n')
        done = CliRunner().invoke(main, ["check-config", str(config)])
        assert done.exit_code == 0, done.output
        assert ("channel_binding=require" in done.output) == warned, (url, done.output)
