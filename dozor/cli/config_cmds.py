"""`dozor check-config`: validate a config file before (re)starting the daemon."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

import click

from dozor.cli.common import load_or_exit


@click.command("check-config")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--online", is_flag=True,
              help="Also connect to every enabled camera (and its lpr_url, live_url) and say which fail "
                   "and why.")
def check_config(path: str, online: bool) -> None:
    """Validate the config at PATH: exit 0 if it can be used, 1 with every problem listed if not."""
    config = load_or_exit(path)
    with_lpr = sum(1 for c in config.cameras if c.enabled and c.lpr)
    enabled = sum(1 for c in config.cameras if c.enabled)
    click.echo(
        f"{path}: OK - {enabled} camera(s) recording, {with_lpr} with plate reading; "
        f"data in {config.storage.path}, kept {config.storage.retention_days} days"
    )
    for warning in _warnings(config):
        click.echo(f"warning: {warning}", err=True)
    if online:
        from dozor.cli.online_check import check_cameras

        check_cameras(config)


def _warnings(config) -> list[str]:
    out = []
    if not config.cameras:
        out.append("no [[cameras]] configured: the daemon will record nothing")
    storage = config.storage.path
    probe = storage if storage.exists() else storage.parent
    if not os.access(probe, os.W_OK):
        out.append(f"{storage} is not writable by this user; the daemon needs to write there")
    if config.web.host not in ("127.0.0.1", "localhost", "::1") and not config.web.tls:
        out.append(
            "the web UI serves the LAN without TLS; passwords cross the network in clear (set web.tls)"
        )
    if config.index.hub_key_sha256 and not config.web.tls:
        out.append("[index] hub_key_sha256 is set but [web] tls = false: the hub fetches over HTTPS only, "
                   "so it cannot fetch this node's video (set web.tls)")
    if config.index.url and _hub_unchecked(config.index.url):
        out.append("[index] url: the link to the shared index checks no certificate, so a machine on the "
                   "link could answer as the hub and be sent the password; add channel_binding=require "
                   "to its options (README: Several appliances, one search)")
    for node in config.nodes:
        if not os.access(node.key_file, os.R_OK):
            out.append(f"[[nodes]] {node.name}: its key_file {node.key_file} cannot be read by this user; "
                       "the hub cannot fetch that node's video (`dozor node-key` makes one)")
    return out


def _hub_unchecked(url: str) -> bool:
    """An index address on another machine whose TLS checks neither the hub's certificate
    (sslmode=verify-full) nor binds the password exchange to it (channel_binding=require)."""
    parts = urlsplit(url)
    if parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return False
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return options.get("sslmode") != "verify-full" and options.get("channel_binding") != "require"


COMMANDS = [check_config]


@click.command("config-docs")
def config_docs() -> None:
    """Print the configuration reference (docs/config.md) generated from the schema."""
    from edge.config_docs import render

    click.echo(render(), nl=False)


COMMANDS.append(config_docs)
