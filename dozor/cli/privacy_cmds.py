"""`dozor privacy-docs` writes the data-protection pack (edge.privacy_docs) from the config;
`dozor subject-lookup` answers a person who asks whether their plate is stored.

The lookup reads plate data, so it is audited like every other access (action `subject_lookup`, with
the request's reference and how many sightings were found) before anything is shown; it needs no case,
as it serves the person the data is about, not an investigation. It shows days, cameras and how long
the data is kept, never other plates.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from accounts.audit import AuditAction
from dozor.cli.common import config_option, fail, load_or_exit
from dozor.cli.plate_cmds import _audit, _store


@click.command("privacy-docs")
@config_option
@click.option("--out", "out_dir", default="docs", show_default=True, type=click.Path(file_okay=False),
              help="The folder to write data-protection.uk.md and data-protection.en.md into.")
def privacy_docs(config_path: str, out_dir: str) -> None:
    """Write the data-protection pack (sign, DPIA, records of processing, how to ask about a plate) in
    Ukrainian and English, filled in from the config."""
    from edge.privacy_docs import LANGUAGES, file_name, render

    config = load_or_exit(config_path)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for language in LANGUAGES:
            (folder / file_name(language)).write_text(render(config, language), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write the data-protection pack to {folder}: {exc.strerror or exc}")
    click.echo(f"data-protection pack written to {folder}/data-protection.{{uk,en}}.md")


@click.command("subject-lookup")
@click.argument("plate")
@config_option
@click.option("--request", "request_ref", required=True,
              help="The reference of the person's request (letter number, date): kept in the audit log.")
def subject_lookup(plate: str, config_path: str, request_ref: str) -> None:
    """Whether PLATE (the whole plate, Latin or Cyrillic) is stored: its sightings by day and camera and
    when each will be deleted. Audited."""
    from plate_index.normalise import BadQuery
    from plate_index.subject import stored_sightings

    config, conn = _store(config_path)
    try:
        wanted, hits = stored_sightings(conn, plate)
    except BadQuery as exc:
        fail(str(exc))
    request_ref = " ".join(request_ref.split())[:200]
    _audit(config, AuditAction.SUBJECT_LOOKUP, wanted, {"via": "cli", "request": request_ref,
                                                         "results": len(hits)})
    if not hits:
        click.echo(f"{wanted}: not stored (nothing older than {config.storage.retention_days} days is kept)")
        return
    keep = timedelta(days=config.storage.retention_days)
    click.echo(f"{wanted}: stored, {len(hits)} sighting(s)")
    for hit in hits:
        deleted = (hit.first_seen + keep).astimezone()
        click.echo(f"  {hit.first_seen.astimezone():%Y-%m-%d %H:%M}  {hit.camera:<16} "
                   f"deleted from {deleted:%Y-%m-%d} unless held for a case")


COMMANDS = [privacy_docs, subject_lookup]
