"""`dozor node-key` (issue 17): the hub's key to one node, written for the dozor user alone, and the line
for the node's config holding only the key's SHA-256 (README: "Let the hub fetch its video")."""

from __future__ import annotations

import hashlib
import re
import stat

from click.testing import CliRunner

from dozor.cli import main
from edge.config import parse_config


def test_node_key_writes_the_key_for_its_owner_only_and_prints_only_its_hash_for_the_node(tmp_path):
    key_file = tmp_path / "nodes" / "village-a.key"
    done = CliRunner().invoke(main, ["node-key", str(key_file)])
    assert done.exit_code == 0, done.output
    key = key_file.read_text().strip()
    assert len(key) >= 40 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key not in done.output, "the key itself is never printed (it would reach the node's config)"
    (digest,) = re.findall(r'hub_key_sha256 = "([0-9a-f]{64})"', done.output)
    assert digest == hashlib.sha256(key.encode()).hexdigest()
    assert parse_config({"index": {"hub_key_sha256": digest}}).index.hub_key_sha256 == digest
    assert f'key_file = "{key_file}"' in done.output

    again = CliRunner().invoke(main, ["node-key", str(key_file)])
    assert again.exit_code != 0 and "exists" in again.output
    assert key_file.read_text().strip() == key, "a node's key is never replaced by accident"


def test_node_key_says_how_to_run_it_when_it_cannot_write_the_file(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    done = CliRunner().invoke(main, ["node-key", str(blocked / "village-a.key")])
    assert done.exit_code == 1 and "Traceback" not in done.output
    assert "cannot write" in done.output and "sudo -u dozor dozor node-key" in done.output
