"""`dozor search`, `dozor lpr`: the plate store from a shell (the watchlist: dozor/cli/watch_cmds.py).

For installers and police support on the appliance; the web UI calls the same functions
(plate_index.search). Human output shows local time; --json prints one object per
line with ISO-8601 UTC times, the contract other tools rely on.
Every access to plate data is audited, from the shell too: searches, watchlist views and changes and
alert views write an entry (actor `cli:<person>`, see cli_actor) into the web UI's hash-chained audit
log before anything is shown; a shell that cannot write the audit log is shown no plate data.
Searches, alert views and the watchlist's commands name their case (`--case`, `--reason`,
accounts.cases) like the web UI's, and are refused without one while `[access] require_case` is on.
"""

from __future__ import annotations

from datetime import datetime

import click

from accounts.audit import AuditAction
from accounts.cases import Case, CaseRefused, english, make_case
from dozor.cli.common import cli_actor, config_option, fail, load_or_exit, print_json_lines
from edge.clock import SystemClock, parse_utc
from edge.config import Config
from edge.layout import DataLayout
from plate_index.direction import Direction


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_utc(value)
    except ValueError:
        fail(f"{option} {value!r} is not an ISO-8601 time; e.g. 2026-03-01T14:00 or 2026-03-01T14:00:00Z")
    return None


def _store(config_path: str):
    """(config, connection to plates.db); the connection is None when the store does not exist yet (a
    search before the first plate was read finds nothing, it is no error)."""
    from plate_index.store import open_store

    config = load_or_exit(config_path)
    path = DataLayout(config.storage.path).plates_db
    if not path.exists():
        return config, None
    try:
        return config, open_store(path)
    except Exception as exc:  # sqlite3 errors: permissions, a newer schema
        fail(f"cannot open the plate store {path}: {exc}")
    return config, None


def case_options(command):
    """--case, --reason and --case-note: the case a command's look at plate data is for."""
    note = click.option("--case-note", default="", help="An optional note on the case.")
    reason = click.option("--reason", help="Why: one of the reasons of [access] reasons (e.g. theft).")
    number = click.option("--case", "case_number", help="The case or incident number this is for.")
    return number(reason(note(command)))


def _case(config: Config, number: str | None, reason: str | None, note: str) -> Case | None:
    """The command's case, checked like the web UI's; exits 1 when it is wrong, or missing while
    [access] require_case is on."""
    access = config.access
    if not number and not reason:
        if access.require_case:
            fail("a case is required before plate data is shown ([access] require_case): add "
                 f"--case NUMBER --reason REASON (e.g. --case {access.case_example.split(',')[0].strip()} "
                 f"--reason {access.reasons[0]}); reasons: {', '.join(access.reasons)}")
        return None
    try:
        return make_case(access, number or "", reason or "", note)
    except CaseRefused as refused:
        fail(f"case refused: {english(refused.problem, access)}")
    return None


def _audit(
    config: Config,
    action: AuditAction,
    target: str = "",
    detail: dict | None = None,
    case: Case | None = None,
) -> None:
    """Append the audit entry for this command, or exit 1 without showing anything if it cannot.
    (The entry's chain-hash log line is for the daemon's journal; here it would clutter the results.)"""
    import logging
    import sqlite3

    from accounts import audit
    from accounts.webdb import open_web_db

    layout = DataLayout(config.storage.path)
    if case is not None and case.note:  # each command is its own session: its entry keeps the note
        detail = {**(detail or {}), "case_note": case.note}
    quiet = logging.getLogger("accounts.audit")
    if quiet.getEffectiveLevel() > logging.DEBUG:
        quiet.setLevel(logging.WARNING)
    try:
        conn = open_web_db(layout)
        try:
            audit.append(conn, SystemClock(), actor=cli_actor(), ip="local", action=action, target=target,
                         detail=detail, case=case)
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        fail(f"cannot write the audit log {layout.web_db} ({exc}); plate data is shown only to audited "
             "users: run the command as the daemon's user or with sudo")


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


@click.command("search")
@click.argument("prefix")
@config_option
@click.option("--camera", help="Only this camera (its name).")
@click.option("--since", help="Only sightings first seen at or after this time (ISO-8601; UTC if no zone).")
@click.option("--until", help="Only sightings first seen before this time (ISO-8601; UTC if no zone).")
@click.option("--exact", is_flag=True, help="No tolerant matches (OCR look-alikes, alternative readings).")
@click.option("--direction", type=click.Choice([d.value for d in Direction]),
              help="Only sightings whose car went this way past the camera.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 5000), help="Most results.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per sighting.")
@case_options
def search_cmd(prefix, config_path, camera, since, until, exact, direction, limit, as_json, case_number,
               reason, case_note) -> None:
    """Sightings whose plate starts with PREFIX (Latin or Cyrillic letters), exact matches first,
    newest first."""
    from plate_index.normalise import BadQuery, found_starts
    from plate_index.search import search

    since_at, until_at = _time(since, "--since"), _time(until, "--until")
    config, conn = _store(config_path)
    case = _case(config, case_number, reason, case_note)
    if camera and camera not in {c.name for c in config.cameras}:
        click.echo(f"warning: no camera called {camera!r} in the config", err=True)
    filters = {
        "camera": camera, "since": since, "until": until, "exact": exact or None, "direction": direction,
    }
    detail = {"via": "cli", **{k: v for k, v in filters.items() if v}}
    arguments = {
        "camera": camera, "since": since_at, "until": until_at, "exact": exact, "limit": limit,
        "direction": direction,
    }
    try:
        if config.index.url:
            hits = _shared_search(config.index.url, prefix, arguments)
        elif conn is None:
            from plate_index.search import validate_query

            validate_query(prefix)
            hits = []
        else:
            hits = search(conn, prefix, **arguments)
    except BadQuery as exc:
        _audit(config, AuditAction.SEARCH, prefix, detail, case)
        fail(str(exc))
        return
    detail["results"] = len(hits)
    if starts := found_starts(prefix, [hit.plate for hit in hits]):
        detail["starts"] = starts  # oversight's key for a query that fixes no plate start
    _audit(config, AuditAction.SEARCH, prefix, detail, case)  # before any is shown
    if as_json:
        print_json_lines([hit.to_json() for hit in hits])
        return
    if not hits:
        click.echo("no sightings found", err=True)
    for hit in hits:
        click.echo(
            f"{_local(hit.first_seen)}  {hit.camera:<16} {hit.plate:<10} {hit.match:<8} "
            f"{hit.confidence:.2f}  {hit.direction:<13} {hit.crop_path or '-'}"
        )


def _shared_search(url: str, prefix: str, filters: dict) -> list:
    """Search the hromada's shared index ([index] url); exits with a clear message when unreachable."""
    import psycopg

    from plate_index.pg_index import PostgresIndex
    from plate_index.search import validate_query

    validate_query(prefix)  # a bad query is the officer's to fix, whether or not the index answers
    try:
        index = PostgresIndex.open(url, readonly=True)
    except psycopg.OperationalError as exc:
        fail(f"cannot reach the shared plate index ([index] url): {str(exc).strip()}")
    try:
        return index.search(prefix, **filters)
    finally:
        index.close()


@click.command("lpr")
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image.")
def lpr_cmd(images, config_path, as_json) -> None:
    """Read the plates on still IMAGES with the configured models (to evaluate a camera or the models)."""
    import cv2

    from plate_index.models import ModelMissing, build_alpr
    from plate_index.recognise import Recogniser

    config = load_or_exit(config_path)
    try:
        recogniser = Recogniser(build_alpr(config.lpr), config.lpr.min_read_confidence)
    except ModelMissing as exc:
        fail(str(exc))
        return
    failed = False
    for image_path in images:
        image = cv2.imread(image_path)
        if image is None:
            click.echo(f"error: {image_path} is not an image this build can read", err=True)
            failed = True
            continue
        reads = recogniser.read_frame(image, camera="", time=0.0)
        plates = [
            {"plate": r.read.text, "confidence": round(r.read.confidence, 3), "box": list(r.read.box),
             "region": r.read.region, "detector_confidence": round(r.detector_confidence, 3)}
            for r in reads
        ]
        if as_json:
            print_json_lines([{"image": image_path, "plates": plates}])
        else:
            found = ", ".join(f"{p['plate']} ({p['confidence']:.2f}) at {p['box']}" for p in plates)
            click.echo(f"{image_path}: {found or 'no plate read'}")
    if failed:
        raise SystemExit(1)


COMMANDS = [search_cmd, lpr_cmd]
