"""`scripts/install-system.sh` into a temporary root (DOZOR_ROOT): a real venv with this checkout, the
`dozor` system user, config, data folder, models, certificate and enabled units; run twice it leaves
exactly the same state (acceptance 2 of issue 5), it never overwrites the config or the certificate,
and `uninstall-system.sh` keeps recordings and config unless PURGE=1."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from edge.config import load_config

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown, useradd --prefix), as sudo make does"),
]
REPO = Path(__file__).resolve().parent.parent


def run_script(name: str, root: Path, **env: str) -> str:
    done = subprocess.run(
        [str(REPO / "scripts" / name)], env={**os.environ, "DOZOR_ROOT": str(root), **env},
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def state(root: Path) -> dict[str, tuple]:
    """Every path under root: kind, mode, owner, group, and the content's sha256 or the link's target."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                what = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                what = ("dir",)
            else:
                what = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            mode = oct(stat.S_IMODE(info.st_mode))
            out[str(path.relative_to(root))] = (*what, mode, info.st_uid, info.st_gid)
    return out


def differences(before: dict, after: dict) -> list[str]:
    return [f"{path}: {before.get(path)} -> {after.get(path)}"
            for path in sorted(before.keys() | after.keys()) if before.get(path) != after.get(path)]


def account(root: Path, file: str, name: str) -> list[str]:
    return [line for line in (root / "etc" / file).read_text().splitlines() if line.startswith(f"{name}:")]


def bare_root(root: Path) -> Path:
    """A root with only root in passwd and group."""
    etc = root / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\n")
    return root


def attributes(path: Path) -> str:
    return subprocess.run(["lsattr", "-d", str(path)], capture_output=True, text=True).stdout.split()[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory, model_dir):
    """A bare root (only root in passwd/group) with one install-system run done."""
    root = bare_root(tmp_path_factory.mktemp("root"))
    output = run_script("install-system.sh", root, MODELS=str(model_dir))
    yield root, output, model_dir
    anchor = root / "var/lib/dozor/audit-anchor.jsonl"
    if anchor.exists():  # an append-only file would stay in pytest's temporary folders for good
        subprocess.run(["chattr", "-a", str(anchor)], check=False)


def test_first_install_makes_the_appliance(installed):
    root, output, _ = installed
    (user,) = account(root, "passwd", "dozor")
    name, _, uid, gid, _, home, shell = user.split(":")
    assert (home, shell) == ("/nonexistent", "/usr/sbin/nologin") and not (root / "nonexistent").exists()
    assert 0 < int(uid) < 1000, "a system user"
    assert len(account(root, "group", "dozor")) == 1
    uid, gid = int(uid), int(gid)
    s = state(root)
    assert s["etc/dozor/config.toml"][2:] == ("0o640", 0, gid), "root writes, the daemon's group reads"
    assert s["var/lib/dozor"][1:] == ("0o750", uid, gid)
    assert s["etc/dozor/nodes"][1:] == ("0o700", uid, gid), "a hub's node keys: the dozor user's alone"
    assert s["var/lib/dozor/tls/key.pem"][2:] == ("0o600", uid, gid)
    anchor = root / "var/lib/dozor/audit-anchor.jsonl"
    assert s["var/lib/dozor/audit-anchor.jsonl"][2:] == ("0o600", uid, gid)
    assert attributes(anchor).count("a") == 1, f"the audit anchor is append-only: {attributes(anchor)}"
    assert s["etc/systemd/system/multi-user.target.wants/dozor.service"][:2] == (
        "link", "/etc/systemd/system/dozor.service")
    assert "etc/systemd/system/multi-user.target.wants/dozor-web.service" in s
    assert s["usr/local/bin/dozor"][:2] == ("link", "/opt/dozor/venv/bin/dozor")
    for model in ("yolo-v9-t-416-license-plate-end2end.onnx", "cct_xs_v2_global.onnx"):
        assert f"model {model} sha256 OK" in output
        assert s[f"var/lib/dozor/models/{model}"][2:] == ("0o640", 0, gid)

    config = load_config(root / "etc/dozor/config.toml")
    assert config.web.tls and str(config.storage.path) == "/var/lib/dozor"
    assert config.lpr.model_dir == "/var/lib/dozor/models"

    venv = root / "opt/dozor/venv"
    done = subprocess.run([str(venv / "bin/dozor"), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "dozor" in done.stdout
    installed_files = list(venv.glob("lib/python3*/site-packages/dozor/supervisor.py"))
    assert installed_files, "the code is copied into the venv, not an editable link to the checkout"

    cert = root / "var/lib/dozor/tls/cert.pem"
    text = subprocess.run(["openssl", "x509", "-noout", "-text", "-in", str(cert)], capture_output=True,
                          text=True, check=True).stdout
    assert f"DNS:{os.uname().nodename}" in text and "IP Address:127.0.0.1" in text
    fingerprint = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", str(cert)],
                                 capture_output=True, text=True, check=True).stdout.split("=")[1].strip()
    assert fingerprint in output, "the fingerprint is shown so users can check it in the browser"


def test_install_twice_leaves_the_same_state_and_keeps_config_and_certificate(installed):
    root, _, model_dir = installed
    config = root / "etc/dozor/config.toml"
    config.write_text(config.read_text().replace('title = "Площа"', 'title = "Площа біля школи"'))
    before = state(root)
    output = run_script("install-system.sh", root, MODELS=str(model_dir))
    after = state(root)
    assert differences(before, after) == []
    assert "keeping the existing /etc/dozor/config.toml" in output
    assert "keeping the existing certificate" in output
    assert len(before) > 1000, "the venv is part of the compared state"


def test_uninstall_keeps_recordings_and_config_unless_purge(installed):
    root, _, _ = installed
    recording = root / "var/lib/dozor/segments/gate/clip.mp4"
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"video")
    output = run_script("uninstall-system.sh", root)
    assert "kept /var/lib/dozor" in output
    assert account(root, "passwd", "dozor") == [] and account(root, "group", "dozor") == []
    assert not (root / "opt/dozor").exists() and not (root / "usr/local/bin/dozor").exists()
    assert not list((root / "etc/systemd/system").rglob("dozor*"))
    assert recording.read_bytes() == b"video" and (root / "etc/dozor/config.toml").exists()

    run_script("uninstall-system.sh", root, PURGE="1")
    assert not (root / "var/lib/dozor").exists() and not (root / "etc/dozor").exists()
    assert re.search(r"^root:", (root / "etc/passwd").read_text(), re.M), "nothing else touched"


def test_a_failed_install_leaves_the_kept_audit_anchor_append_only(tmp_path):
    """Data kept by an uninstall is given to the new dozor user: the anchor's append-only attribute is
    lifted for that chown. If the chown fails (here: a file made immutable), the attribute comes back."""
    root = bare_root(tmp_path / "root")
    data = root / "var/lib/dozor"
    data.mkdir(parents=True)
    anchor = data / "audit-anchor.jsonl"
    anchor.write_text('{"entry": 1}\n')
    stuck = data / "stuck"
    stuck.write_text("")
    os.chown(anchor, 4321, 4321)
    os.chown(stuck, 4321, 4321)
    if subprocess.run(["chattr", "+a", str(anchor)], capture_output=True).returncode != 0:
        pytest.skip("no file attributes here")
    subprocess.run(["chattr", "+i", str(stuck)], check=True)
    try:
        done = subprocess.run([str(REPO / "scripts/install-system.sh")], capture_output=True, text=True,
                              env={**os.environ, "DOZOR_ROOT": str(root)}, timeout=300)
        assert done.returncode != 0, "the chown of an immutable file fails"
        assert "a" in attributes(anchor), "the anchor was left rewritable after a failed install"
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=False)
        subprocess.run(["chattr", "-a", str(anchor)], check=False)
