"""A node's link to the hub's PostgreSQL crosses the hromada's radio bridges, where a machine may sit in
the middle (issue 17's review). With `sslmode=require` alone, libpq checks no certificate: a machine in
the middle terminating TLS with a certificate of its own relays the password exchange and is then the
node's session, reading and rewriting every village's sightings. The README's address adds
`channel_binding=require`: the password exchange is then bound to the certificate the node saw, so it
fails through such a machine and works straight to the hub, with no certificate authority to run.

A real PostgreSQL server with TLS and SCRAM passwords (as Debian's package runs one), and a real TLS
man in the middle on loopback.
"""

from __future__ import annotations

import os
import pwd
import re
import select
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from node_parts import self_signed
from postgres import PostgresServer, bin_dir

from dozor.cli import main
from edge.layout import DataLayout

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "village-a-pass-1"


@pytest.fixture
def tls_postgres() -> Iterator[PostgresServer]:
    """A cluster serving TLS (a self-signed certificate, as Debian's snakeoil) with a SCRAM password for
    the role `node` over TLS, as the README's pg_hba.conf line asks."""
    found = bin_dir()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (scripts/install-deps.sh installs Debian's postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="dozor-pgtls-"))
    server = PostgresServer(found, folder)
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


class ManInTheMiddle:
    """Answers PostgreSQL's SSLRequest itself, terminates the node's TLS with its own certificate and
    opens its own TLS to the server, relaying everything in between (what a machine on the link can do
    to a client that checks no certificate)."""

    def __init__(self, upstream: int, folder: Path):
        self_signed(folder)
        tls = DataLayout(folder).tls_dir
        self.server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_side.load_cert_chain(tls / "cert.pem", tls / "key.pem")
        self.client_side = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client_side.check_hostname, self.client_side.verify_mode = False, ssl.CERT_NONE
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.relayed = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay_quietly, args=(client,), daemon=True).start()

    def _relay_quietly(self, client: socket.socket) -> None:
        with suppress(OSError, ssl.SSLError):  # one side hung up (the node refusing the exchange, say)
            self._relay(client)

    def _relay(self, client: socket.socket) -> None:
        client.settimeout(10)
        with client, socket.create_connection(("127.0.0.1", self.upstream), timeout=10) as up:
            request = client.recv(8)  # SSLRequest
            client.sendall(b"S")
            up.sendall(request)
            if up.recv(1) != b"S":
                return
            with self.server_side.wrap_socket(client, server_side=True) as near, \
                    self.client_side.wrap_socket(up) as far:
                pair = {near: far, far: near}
                while True:
                    readable, _, _ = select.select(list(pair), [], [], 10)
                    if not readable:
                        return
                    for sock in readable:
                        sock.setblocking(False)  # what arrived may be a TLS record with no data in it
                        try:
                            data = sock.recv(65536)
                        except ssl.SSLWantReadError:
                            continue
                        finally:
                            sock.settimeout(10)
                        if not data:
                            return
                        while sock.pending():
                            data += sock.recv(sock.pending())
                        pair[sock].sendall(data)
                        self.relayed += len(data)

    def close(self) -> None:
        self.listener.close()


def _readme_index_url() -> str:
    """The node's [index] url as the README writes it."""
    readme = (REPO / "README.md").read_text()
    (url,) = re.findall(r'^url = "(postgresql://[^"]*@hub\.lan[^"]*)"', readme, re.M)
    return url


def test_a_machine_in_the_middle_of_the_link_cannot_log_in_with_the_readmes_address(tls_postgres, tmp_path):
    options = _readme_index_url().partition("?")[2]
    assert "channel_binding=require" in options and "sslmode=require" in options
    middle = ManInTheMiddle(tls_postgres.port, tmp_path / "middle")
    try:
        through = f"postgresql://node:{PASSWORD}@127.0.0.1:{middle.port}/postgres?gssencmode=disable"
        # what sslmode=require alone allows: the machine in the middle is in the node's session
        with psycopg.connect(f"{through}&sslmode=require", connect_timeout=10) as hijacked:
            assert hijacked.execute("SELECT current_user").fetchone() == ("node",)
        assert middle.relayed > 0
        with pytest.raises(psycopg.OperationalError, match="channel binding"):
            psycopg.connect(f"{through}&{options}", connect_timeout=10)
    finally:
        middle.close()
    direct = f"postgresql://node:{PASSWORD}@127.0.0.1:{tls_postgres.port}/postgres?gssencmode=disable&{options}"
    with psycopg.connect(direct, connect_timeout=10) as conn:  # straight to the hub: it works
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
