"""sd_notify over a real NOTIFY_SOCKET: the daemon says READY=1 once recording runs, feeds the systemd
watchdog while its cameras' threads are healthy (an unplugged camera is healthy, a hung thread is not),
says STOPPING=1 on stop, and does nothing at all outside systemd."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid

import pytest
from recording import make_config, wait_until

from dozor.liveness import Liveness
from dozor.supervisor import Supervisor
from edge.clock import ManualClock
from edge.layout import DataLayout
from edge.sdnotify import Notifier
from recorder.catalog import CameraStatus, Catalog
from recorder.reasons import OutageReason, Reason


class NotifySocket:
    """What systemd listens on: a datagram socket; collects each message with its arrival time."""

    def __init__(self, address: str):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append((time.monotonic(), data.decode()))

    def lines(self) -> list[str]:
        return [line for _, text in self.messages for line in text.split("\n")]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    receiver = NotifySocket(str(tmp_path / "notify"))
    yield receiver
    receiver.close()


def test_messages_reach_a_path_socket_as_one_datagram_each(notify_socket):
    notifier = Notifier(notify_socket.address)
    assert notifier.ready("2 of 2 camera(s) online")
    assert notifier.watchdog() and notifier.stopping()
    assert wait_until(lambda: len(notify_socket.messages) == 3, 5)
    assert [text for _, text in notify_socket.messages] == [
        "READY=1\nSTATUS=2 of 2 camera(s) online", "WATCHDOG=1", "STOPPING=1"
    ]


def test_an_abstract_socket_name_works_too():
    receiver = NotifySocket(f"@dozor-test-{uuid.uuid4().hex}")
    try:
        assert Notifier(receiver.address).status("recording")
        assert wait_until(lambda: receiver.lines() == ["STATUS=recording"], 5)
    finally:
        receiver.close()


def test_outside_systemd_nothing_is_sent_and_nothing_fails(monkeypatch, tmp_path):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not Notifier().enabled and not Notifier().ready()
    gone = Notifier(str(tmp_path / "no-such-socket"))
    assert gone.watchdog() is False, "a missing socket is reported, never raised"


def test_watchdog_interval_comes_from_systemd_for_this_process_only(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert Notifier("x").watchdog_seconds() == 30.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert Notifier("x").watchdog_seconds() is None, "meant for another process"


def test_liveness_names_a_dead_thread_and_a_silent_camera(data_dir):
    clock = ManualClock()
    layout = DataLayout(data_dir)
    catalog = Catalog(layout)
    now = clock.now()
    refused = Reason(OutageReason.CONNECTION_REFUSED)
    catalog.set_status(CameraStatus("gate", "offline", now, refused, 0, 0, None, 0, now))

    class Thread:
        def __init__(self, alive: bool):
            self.alive = alive

        def is_alive(self) -> bool:
            return self.alive

    liveness = Liveness({"gate": Thread(True), "yard": Thread(False)}, layout, clock)
    assert liveness.problems() == ["yard: recording thread ended"], "an offline camera is healthy"
    assert liveness.summary() == "0 of 2 camera(s) online; offline: gate, yard"
    clock.advance(31)
    assert liveness.problems() == [
        "yard: recording thread ended", "gate: no status for 31 s", "yard: no status since start-up"
    ]
    liveness.close()
    catalog.close()


@pytest.mark.slow
def test_daemon_is_ready_feeds_the_watchdog_with_an_unplugged_camera_and_says_stopping(
    data_dir, tmp_path, notify_socket, monkeypatch
):
    monkeypatch.setattr("dozor.supervisor.LIVENESS_SECONDS", 1.0)  # production: 5 s, for a 60 s WatchdogSec
    config = make_config(data_dir, {"gate": "rtsp://127.0.0.1:9/unplugged"})
    supervisor = Supervisor(config, tmp_path / "c.toml", factories=[],
                            notifier=Notifier(notify_socket.address))
    threading.Timer(4.5, supervisor.request_stop).start()
    assert supervisor.run() == 0
    lines = notify_socket.lines()
    assert lines[0] == "READY=1" and lines[1].startswith("STATUS=")
    assert lines.count("WATCHDOG=1") >= 3, "about one a second while the camera thread retries"
    assert lines[-1] == "STOPPING=1"


@pytest.mark.slow
def test_a_hung_camera_thread_starves_the_watchdog(data_dir, tmp_path, notify_socket, monkeypatch, caplog):
    """The thread is alive but never reports: only a restart by systemd can help, so no WATCHDOG=1."""
    from recorder.camera_recorder import CameraRecorder

    monkeypatch.setattr("recorder.catalog.STATUS_STALE_SECONDS", 2.0)
    monkeypatch.setattr("dozor.supervisor.LIVENESS_SECONDS", 1.0)

    def hang(self):
        self._stop.wait()
        return False, ""

    monkeypatch.setattr(CameraRecorder, "_connect_and_record", hang)
    config = make_config(data_dir, {"gate": "rtsp://127.0.0.1:9/hangs"})
    supervisor = Supervisor(config, tmp_path / "c.toml", factories=[],
                            notifier=Notifier(notify_socket.address))
    threading.Timer(6.0, supervisor.request_stop).start()
    began = time.monotonic()
    assert supervisor.run() == 0
    pings = [at - began for at, text in notify_socket.messages if text == "WATCHDOG=1"]
    assert pings and max(pings) < 3.5, f"pings stop once the camera is silent for 2 s: {pings}"
    assert "not healthy, withholding the systemd watchdog: gate: no status since start-up" in caplog.text


@pytest.mark.slow
def test_dozor_web_says_ready_once_it_listens(tmp_path, data_dir, notify_socket):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{data_dir}"\n[web]\nlisten = "127.0.0.1:{port}"\n')
    dozor = str(Path(sys.executable).parent / "dozor")
    process = subprocess.Popen([dozor, "web", "--config", str(config)], stderr=subprocess.DEVNULL,
                               env={**os.environ, "NOTIFY_SOCKET": notify_socket.address})
    try:
        assert wait_until(lambda: notify_socket.messages, 20)
        assert notify_socket.lines() == ["READY=1", f"STATUS=serving http://127.0.0.1:{port}"]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # READY came after the port was bound
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
