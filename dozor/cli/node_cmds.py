"""`dozor node-key`: the key a hub presents to one node when it fetches that node's video (issue 17)."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command("node-key")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path))
def node_key_cmd(key_file: Path) -> None:
    """Make a new key for one node and write it to KEY_FILE on the hub (readable by its owner only);
    print the line that goes into that node's config. The node keeps only the key's SHA-256, so its
    config, its backups and its journal never hold what opens it. Run it on the hub, as the dozor user."""
    from edge.node_client import new_key

    if key_file.exists():
        raise click.ClickException(f"{key_file} exists; remove it first to replace the node's key")
    key, digest = new_key()
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write {key_file} ({exc.strerror}): run it as the dozor user, who must read the key "
            f"(sudo -u dozor dozor node-key {key_file}), in a folder it owns (the appliance install makes "
            "/etc/dozor/nodes)"
        ) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    click.echo(f"key written to {key_file} (mode 600); on the hub, in its [[nodes]] table for this node:")
    click.echo(f'  key_file = "{key_file.resolve()}"')
    click.echo("on the node, in its config (then restart dozor-web there):")
    click.echo("  [index]")
    click.echo(f'  hub_key_sha256 = "{digest}"')


COMMANDS = [node_key_cmd]
