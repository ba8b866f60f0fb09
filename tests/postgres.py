"""A real PostgreSQL server for the tests: Debian's package, a cluster initialised in a temporary folder,
listening on 127.0.0.1 on a free port, stopped at the end of the session.

initdb and postgres refuse to run as root, so as root (CI, this machine) the cluster belongs to the
`postgres` user the Debian package creates, and the server runs as that user (subprocess's user=, no
extra process in between). The tests connect over TCP as the cluster's superuser `dozor` (trust on
loopback only). Where the package is missing the fixture skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

SUPERUSER = "dozor"


def bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One cluster: `start()` and `stop()` may be called again (the outage tests stop it for a while).
    `durable`: fsync and full-page writes as a hub runs them (the benches); the tests do without."""

    def __init__(self, bin_dir: Path, folder: Path, *, durable: bool = False):
        self.bin_dir = bin_dir
        self.folder = folder
        self.durable = durable
        self.data = folder / "data"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str | Path) -> None:
        subprocess.run([str(a) for a in args], check=True, capture_output=True, user=self.user,
                       cwd=self.folder)

    def initdb(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run(self.bin_dir / "initdb", "-D", self.data, "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")

    def start(self) -> None:
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - the server's, closed with it
        fast = [] if self.durable else ["-c", "fsync=off", "-c", "synchronous_commit=off",
                                         "-c", "full_page_writes=off"]
        self.process = subprocess.Popen(
            [str(self.bin_dir / "postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}", *fast],
            stdout=log, stderr=subprocess.STDOUT, user=self.user, cwd=self.folder,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.folder / 'server.log').read_text()[-2000:]}")
            try:  # the port opens before the server takes connections ("the database system is starting up")
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise RuntimeError("postgres did not start within 30 s")

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open connections are cut, as when the hub goes down."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def new_server(prefix: str = "dozor-pg-") -> PostgresServer:
    """A cluster not initialised yet, in a new temporary folder (not under pytest's tmp_path: its folders
    are private to root, and the server runs as postgres); skips where PostgreSQL is missing, but fails
    under CI=true."""
    found = bin_dir()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (scripts/install-deps.sh installs Debian's postgresql)")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    return PostgresServer(found, Path(tempfile.mkdtemp(prefix=prefix)))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = new_server()
    folder = server.folder
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new empty database on the session's server, for one test."""
    name = f"t{next(_databases)}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} STRATEGY FILE_COPY")
    return postgres_server.url_for(name)
