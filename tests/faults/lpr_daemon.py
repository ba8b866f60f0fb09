"""The real `dozor run` with plate reading on, for the LPR, disk-full and log fault tests: its config,
its LPR worker processes, and what `dozor status --json` and the plate store say about it.

The hang timeout of the daemon's LPR pool (plate_index.pool.HANG_SECONDS, 20 s) can be shortened for a
run (`hang_seconds`), so the short form of the suite can freeze a worker past it without waiting 20 s;
everything else is the shipped daemon, started as `python -m dozor run`.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

from resources import children

from edge.config import load_config
from edge.layout import DataLayout

REPO = Path(__file__).resolve().parent.parent.parent

# `python -c` with the pool's hang timeout set first, then the ordinary `dozor` command line.
_LAUNCH = (
    "import sys; import plate_index.pool as pool; pool.HANG_SECONDS = float(sys.argv[1]); "
    "from dozor.cli import main; sys.argv = ['dozor', *sys.argv[2:]]; main()"
)


def write_config(path: Path, data: Path, model_dir: Path, urls: dict[str, str], *,
                 storage: str = "min_free_gb = 0\n", lpr: str = "") -> Path:
    text = (f'[storage]\npath = "{data}"\n{storage}[recorder]\nsegment_seconds = 5\nlive_fps = 0\n'
            f'[lpr]\nmodel_dir = "{model_dir}"\n{lpr}[web]\nenabled = false\n')
    text += "".join(f'[[cameras]]\nname = "{n}"\nurl = "{u}"\nlpr = true\n' for n, u in urls.items())
    path.write_text(text)
    return path


class Daemon:
    """`dozor run --config PATH` as its own process; stdout and stderr go to `log_path`."""

    def __init__(self, config_path: Path, log_path: Path, *, hang_seconds: float | None = None,
                 env: dict[str, str] | None = None):
        self.config_path, self.log_path = config_path, log_path
        self.config = load_config(config_path)
        self.layout = DataLayout(self.config.storage.path)
        argv = ["run", "--config", str(config_path)]
        command = ([sys.executable, "-c", _LAUNCH, str(hang_seconds), *argv] if hang_seconds
                   else [sys.executable, "-m", "dozor", *argv])
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, cwd=REPO,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        """Pids of the daemon's spawned LPR worker processes."""
        return children(self.pid, b"spawn_main")

    def lpr(self) -> dict[str, Any]:
        """The plate-reading counters of the one camera, as `dozor status --json` shows them ({} before
        the first write)."""
        from health.status import lpr_counters

        try:
            rows = lpr_counters(self.layout)
        except sqlite3.OperationalError:
            return {}
        return rows[0] if rows else {}

    def sightings(self) -> list[sqlite3.Row]:
        if not self.layout.plates_db.exists():
            return []
        with closing(sqlite3.connect(self.layout.plates_db)) as conn:
            conn.row_factory = sqlite3.Row
            try:
                return conn.execute("SELECT * FROM sightings ORDER BY first_seen").fetchall()
            except sqlite3.OperationalError:
                return []

    def status_json(self) -> tuple[int, dict[str, Any]]:
        """`dozor status --config PATH --json`: exit code and the object."""
        import json

        done = subprocess.run([sys.executable, "-m", "dozor", "status", "--config", str(self.config_path),
                               "--json"], capture_output=True, text=True, cwd=REPO, timeout=60)
        return done.returncode, json.loads(done.stdout)

    def terminate(self, timeout: float = 40) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9

    def kill(self) -> None:
        for pid in self.workers():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
