"""The systemd units in systemd/: valid for systemd (`systemd-analyze verify` prints nothing), hardened
to an exposure of at most 2.0 (`systemd-analyze security --offline=yes`), with the sandbox settings the
appliance promises, and starting commands this checkout's `dozor` really has."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS_DIR = Path(__file__).resolve().parent.parent / "systemd"
UNITS = sorted(UNITS_DIR.glob("*.service"))
INSTALLED_DOZOR = "/opt/dozor/venv/bin/dozor"
DOZOR = str(Path(sys.executable).parent / "dozor")
MAX_EXPOSURE = 2.0
needs_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed on this machine"
)


def settings(unit: Path) -> dict[str, list[str]]:
    """Every `Key=value` of the unit, values in file order (a key may repeat)."""
    out: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_there_is_a_daemon_unit_and_a_web_unit():
    assert [u.name for u in UNITS] == ["dozor-web.service", "dozor.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_has_the_promised_sandbox(unit):
    s = settings(unit)
    expected = {
        "NoNewPrivileges": ["yes"], "ProtectSystem": ["strict"], "ReadWritePaths": ["/var/lib/dozor"],
        "ProtectHome": ["yes"], "PrivateTmp": ["yes"], "PrivateDevices": ["yes"],
        "CapabilityBoundingSet": [""], "RestrictAddressFamilies": ["AF_UNIX AF_INET AF_INET6"],
        "Restart": ["on-failure"], "Type": ["notify"], "User": ["dozor"],
    }
    for key, value in expected.items():
        assert s.get(key) == value, f"{unit.name}: {key}={s.get(key)}"
    assert s["SystemCallFilter"][0] == "@system-service"
    assert re.fullmatch(r"\d+[MG]", s["MemoryMax"][0])


def test_the_daemon_feeds_a_watchdog_and_leaves_the_web_ui_to_its_own_unit():
    daemon, web = settings(UNITS_DIR / "dozor.service"), settings(UNITS_DIR / "dozor-web.service")
    from dozor.supervisor import LIVENESS_SECONDS

    assert int(daemon["WatchdogSec"][0]) >= 6 * LIVENESS_SECONDS, "pings come every 5 s; allow for load"
    assert daemon["ExecStart"] == [f"{INSTALLED_DOZOR} run --no-web --config /etc/dozor/config.toml"]
    assert web["ExecStart"] == [f"{INSTALLED_DOZOR} web --config /etc/dozor/config.toml"]
    assert web["IPAddressDeny"] == ["any"], "the UI answers the LAN only"


@pytest.mark.parametrize("command", [["run", "--no-web"], ["web"]], ids=" ".join)
def test_the_units_commands_exist_in_this_dozor(command):
    done = subprocess.run([DOZOR, *command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--config" in done.stdout


@needs_analyze
@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_accepts_the_unit_without_a_warning(unit, tmp_path):
    # verify checks that ExecStart's program exists: point it at this checkout's dozor.
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace(INSTALLED_DOZOR, DOZOR))
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


@needs_analyze
@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_unit_exposure_is_at_most_2(unit):
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)],
                          capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert found, done.stdout[-2000:] + done.stderr
    exposure = float(found.group(1))
    print(f"{unit.name}: exposure {exposure}")
    assert exposure <= MAX_EXPOSURE, done.stdout
