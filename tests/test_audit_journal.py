"""The anchored audit log with the systemd journal as the witness (issue 12, acceptance 2), for real: a
private systemd-journald (in a mount namespace of its own, so the machine's journal is not touched) and
the real `dozor web` process in a cgroup named dozor-web.service with its stderr on the journal stream,
as systemd runs it. A police officer searches over HTTP; the service witnesses its head in the journal;
then an insider with the `dozor` user's rights rewrites web.db and deletes the anchor file, and
`dozor audit verify` exits non-zero naming what happened, from the journal alone. A lookalike line from
another program is ignored (journald's _SYSTEMD_UNIT cannot be forged).

Needs root (mount namespace, cgroups) and systemd's journald binary, as on Debian; skipped elsewhere.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from insider import all_rows, insider, rewrite
from recording import wait_until
from webapp import PASSWORDS, TEST_CASE, add_standard_users, csrf_token

from accounts.audit_witnessed import from_journal, journal_refused
from dozor.cli import main
from edge.layout import DataLayout

REPO = Path(__file__).resolve().parent.parent
JOURNALD = Path("/lib/systemd/systemd-journald")
CGROUP_ROOTS = [Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup/systemd"), Path("/sys/fs/cgroup")]
JOURNALD_CONF = """[Journal]
Storage=volatile
ReadKMSG=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
Audit=no
"""
# Inside `unshare -m`: journald on private folders, then the web service in its unit's cgroup with its
# stderr on the journal stream and JOURNAL_STREAM set, as systemd starts dozor-web.service.
WEB = 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$PYTHON" -m dozor.cli web --config "$CONFIG"'
RUNNER = r"""
set -eu
mount --bind "$J/run" /run/systemd
mount --bind "$J/runlog" /run/log
mount --bind "$J/journald.conf" /etc/systemd/journald.conf
"$JOURNALD" &
JOURNALD_PID=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.05; done
sh -c 'for group in $CGROUPS; do echo $$ > "$group/cgroup.procs"; done
       exec systemd-cat --identifier=dozor --level-prefix=true sh -c "$WEB"' &
echo $! > "$J/web.pid"
wait $! || true
kill $JOURNALD_PID
wait $JOURNALD_PID || true
"""


def _can_run() -> str:
    if os.geteuid() != 0:
        return "needs root (a mount namespace and a cgroup for the private journald)"
    missing = [t for t in ("unshare", "systemd-cat", "journalctl", "stat") if shutil.which(t) is None]
    if missing or not JOURNALD.exists():
        return f"needs systemd's journald and tools ({missing or JOURNALD})"
    if not [root for root in CGROUP_ROOTS if (root / "cgroup.procs").exists()]:
        return "no writable cgroup hierarchy"
    return ""


pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(_can_run()), reason=_can_run() or "-")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A signed-in police officer over real HTTP (cookies, the login form's CSRF token)."""

    def __init__(self, base: str):
        self.base = base
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read()

    def login(self, user: str) -> None:
        token = csrf_token(self.get("/login").decode())
        form = urllib.parse.urlencode({"username": user, "password": PASSWORDS[user], "csrf_token": token})
        with self.opener.open(self.base + "/login", data=form.encode(), timeout=10):
            pass
        token = csrf_token(self.get("/case").decode())
        form = urllib.parse.urlencode({**TEST_CASE, "csrf_token": token})
        with self.opener.open(self.base + "/case", data=form.encode(), timeout=10):
            pass


def wait_for(condition, seconds: float, what: str):
    value = wait_until(condition, seconds)
    assert value, f"timed out after {seconds} s waiting for {what}"
    return value


def up(base: str) -> bool:
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2).close()
    except urllib.error.HTTPError:
        return True  # 503 (nothing recorded): the server answers
    except OSError:
        return False
    return True


def fake_witness_line(journal_socket: Path, log_id: str) -> None:
    """Another program's lookalike line, even claiming the unit's trusted field (journald drops it)."""
    message = (f"MESSAGE=dozor: accounts.audit_anchor: audit head: entry 9999 hash {'0' * 64} log {log_id}\n"
               "SYSLOG_IDENTIFIER=dozor\n_SYSTEMD_UNIT=dozor-web.service\n")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.sendto(message.encode(), str(journal_socket))


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory):
    """The web service run once under a private journald; returns (data folder, journal folder)."""
    base = tmp_path_factory.mktemp("journal")
    folders = {name: base / name for name in ("run", "runlog", "data")}
    for folder in folders.values():
        folder.mkdir()
    (base / "journald.conf").write_text(JOURNALD_CONF)
    data = folders["data"]
    add_standard_users(data)
    port = free_port()
    config = base / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data}"\n[web]\nlisten = "127.0.0.1:{port}"\n')
    slice_name = f"dozor-test-{uuid.uuid4().hex[:8]}.slice"
    roots = [root for root in CGROUP_ROOTS if (root / "cgroup.procs").exists()]
    groups = [root / slice_name / "dozor-web.service" for root in roots]
    for group in groups:
        group.mkdir(parents=True)
    runner = base / "runner.sh"
    runner.write_text(RUNNER)
    env = {**os.environ, "J": str(base), "JOURNALD": str(JOURNALD), "PYTHON": sys.executable, "WEB": WEB,
           "CONFIG": str(config), "CGROUPS": " ".join(str(g) for g in groups), "PYTHONPATH": str(REPO)}
    log = (base / "runner.log").open("w")
    process = subprocess.Popen(["unshare", "-m", "--propagation", "private", "bash", str(runner)],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    journal = folders["runlog"] / "journal"
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for(lambda: up(base_url), 60, "the web service")
        police = Browser(base_url)
        police.login("police")
        searches = 0

        def witnessed_twice():
            nonlocal searches
            for _ in range(5):
                police.get(f"/api/search?q=BE{searches:03d}")
                searches += 1
            return len({h.entry_id for h in from_journal(journal).heads if h.entry_id > 0}) >= 2

        wait_for(witnessed_twice, 90, "two witnessed heads in the journal")
        for extra in range(3):  # entries after the second head, so it is not also the log's last entry
            police.get(f"/api/search?q=BF{extra:03d}")
        log_id = from_journal(journal).heads[-1].log_id
        fake_witness_line(folders["run"] / "journal" / "socket", log_id)
        web = int((base / "web.pid").read_text())
        os.kill(web, signal.SIGTERM)  # `systemctl stop dozor-web`: the head is witnessed a last time
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
        for group in groups:
            wait_for(lambda g=group: _removed(g), 10, f"{group} to empty")
            group.parent.rmdir()
    print((base / "runner.log").read_text()[-3000:])
    return data, journal


def _removed(group: Path) -> bool:
    try:
        group.rmdir()
    except OSError:
        return False
    return True


@pytest.fixture
def copy(witnessed, tmp_path):
    """A copy of the witnessed site, its anchor file deleted (the insider can): the journal alone."""
    data, journal = witnessed
    target = tmp_path / "data"
    shutil.copytree(data, target)
    DataLayout(target).audit_anchor.unlink()
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{target}"\n')
    return DataLayout(target), str(config), journal


def verify(config, journal):
    arguments = ["audit", "verify", "--config", config, "--journal-directory", str(journal)]
    result = CliRunner().invoke(main, arguments)
    return result.exit_code, result.output


def test_the_service_witnessed_its_head_in_the_journal_under_its_unit(witnessed):
    data, journal = witnessed
    heads = from_journal(journal).heads
    conn = sqlite3.connect(f"file:{DataLayout(data).web_db}?mode=ro", uri=True)
    last = conn.execute("SELECT MAX(id) FROM audit").fetchone()[0]
    conn.close()
    assert max(h.entry_id for h in heads) == last  # the last one at the stop
    assert 9999 not in {h.entry_id for h in heads}
    raw = subprocess.run(["journalctl", "--directory", str(journal), "-o", "json", "--no-pager"],
                         capture_output=True, text=True, check=True).stdout
    lines = [json.loads(line) for line in raw.splitlines()]
    fake = [e for e in lines if "entry 9999" in str(e.get("MESSAGE"))]
    assert fake and "_SYSTEMD_UNIT" not in fake[0]  # it is in the journal, without the unit
    real = [e for e in lines if "audit head: entry" in str(e.get("MESSAGE")) and "9999" not in e["MESSAGE"]]
    assert {e["_SYSTEMD_UNIT"] for e in real} == {"dozor-web.service"}


def test_an_untouched_log_verifies_against_the_journal_alone(copy):
    _, config, journal = copy
    code, output = verify(config, journal)
    assert code == 0, output
    assert "journal: " in output and "witnessed head(s)" in output and "anchor file" in output


def test_the_last_entry_removed_and_the_head_updated_is_named(copy):
    layout, config, journal = copy
    conn = insider(layout)
    rows = all_rows(conn)
    rewrite(conn, rows[:-1])
    conn.close()
    code, output = verify(config, journal)
    assert code == 1, output
    assert f"entry {len(rows)} removed from the end of the log" in output and "(journal)" in output


def test_a_middle_entry_removed_and_the_chain_recomputed_is_named(copy):
    layout, config, journal = copy
    witnessed = sorted({h.entry_id for h in from_journal(journal).heads if h.entry_id > 0})
    conn = insider(layout)
    rewrite(conn, [r for r in all_rows(conn) if r["id"] != witnessed[0] + 1])
    conn.close()
    code, output = verify(config, journal)
    assert code == 1, output
    assert "the log was rewritten and its chain recomputed" in output
    assert f"the change lies in entries {witnessed[0] + 1}-{witnessed[1]}" in output


def test_the_whole_log_emptied_is_named(copy):
    layout, config, journal = copy
    conn = insider(layout)
    rewrite(conn, [])
    conn.close()
    code, output = verify(config, journal)
    assert code == 1, output
    assert "the log was emptied" in output and "(journal)" in output


def test_a_deleted_web_db_is_named(copy):
    layout, config, journal = copy
    for suffix in ("", "-wal", "-shm"):
        layout.web_db.with_name(f"web.db{suffix}").unlink(missing_ok=True)
    code, output = verify(config, journal)
    assert code == 1, output
    assert "web.db is missing (deleted?)" in output and "(journal)" in output


def test_a_user_who_may_not_read_the_journal_is_told_so_not_shown_an_empty_journal(witnessed):
    """journalctl run by a user outside root and the adm/systemd-journal groups (here `nobody`) on the
    journal files: what it answers must be read as "not readable", never as "no witnessed heads"."""
    _, journal = witnessed
    base = Path(tempfile.mkdtemp(prefix="dozor-journal-"))
    try:
        base.chmod(0o755)
        shutil.copytree(journal, base / "journal")
        for path in (base / "journal").rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o640)  # as journald leaves them: not for others
        done = subprocess.run(["runuser", "-u", "nobody", "--", "journalctl", "--no-pager", "-o", "json",
                               "--directory", str(base / "journal"), "_SYSTEMD_UNIT=dozor-web.service"],
                              capture_output=True, text=True, timeout=60)
        assert done.stdout == ""
        assert journal_refused(done.returncode, done.stderr), done.stderr
    finally:
        shutil.rmtree(base)
