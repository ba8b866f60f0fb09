"""`dozor watchlist add|list|remove` and `dozor alerts [ack]`: the appliance's one watchlist from a shell.

The same entries and alerts as the web UI's watchlist and alerts pages (plate_index.watchlist, in
plates.db): an entry added here alerts the police signed in to the web UI, and an alert acknowledged
here is acknowledged there. Every view, change and acknowledgement writes an audit entry first (actor
`cli:<person>`, dozor.cli.common.cli_actor) carrying its case (`--case`, `--reason`, like `dozor search`
and the web UI's watchlist pages: entries and patterns are plate text too), checked before the watchlist
is opened and required while `[access] require_case` is on. Human output shows local time; --json prints
one object per line with ISO-8601 UTC times.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import click

from accounts.audit import AuditAction
from dozor.cli.common import cli_actor, config_option, fail, load_or_exit, print_json_lines
from dozor.cli.plate_cmds import _audit, _case, _local, _time, case_options
from edge.clock import SystemClock, utc_iso
from edge.config import Config
from edge.db import MAX_INTEGER
from edge.layout import DataLayout

DAYS_MAX = 365  # as the web UI's form


def _watchlist(config: Config) -> sqlite3.Connection:
    """A read-write connection to the watchlist, or exit 1 saying why it cannot be opened."""
    from plate_index.watchlist import open_watchlist

    try:
        return open_watchlist(DataLayout(config.storage.path))
    except Exception as exc:  # sqlite3 errors: permissions, a newer schema
        fail(f"cannot open the watchlist in {DataLayout(config.storage.path).plates_db}: {exc}")


@click.group("watchlist")
def watchlist_group() -> None:
    """Plates that raise an alert when a camera sees them (the web UI's watchlist too)."""


@watchlist_group.command("add")
@click.argument("pattern")
@config_option
@click.option("--note", default="", help="Why it is listed (shown with every alert).")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, DAYS_MAX),
              help="How long the entry stays on the watchlist.")
@case_options
def watchlist_add(pattern, config_path, note, days, case_number, reason, case_note) -> None:
    """Add a plate (AA1234BB), or a pattern with * (any characters) and ? (one character): BH12*."""
    from plate_index.normalise import BadQuery, parse_query
    from plate_index.watchlist import WILDCARDS, add_entry

    config = load_or_exit(config_path)
    case = _case(config, case_number, reason, case_note)  # before anything is opened
    conn = _watchlist(config)
    now = SystemClock().now()
    expires = now + timedelta(days=days)
    try:
        normal = parse_query(pattern, wildcards=WILDCARDS)
        _audit(config, AuditAction.WATCHLIST_ADD, normal,  # the attempt, before it
               {"via": "cli", "note": note, "expires": utc_iso(expires)}, case)
        entry = add_entry(conn, pattern, note, cli_actor(), now, expires)
    except BadQuery as exc:
        fail(str(exc))
    click.echo(f"added {entry.pattern} (id {entry.id}) until {_local(expires)}")


@watchlist_group.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
@case_options
def watchlist_list(config_path, as_json, case_number, reason, case_note) -> None:
    """Show the watchlist: every entry not removed and not expired, whoever added it."""
    from plate_index.watchlist import active_entries

    config = load_or_exit(config_path)
    case = _case(config, case_number, reason, case_note)  # before anything is opened
    conn = _watchlist(config)
    entries = active_entries(conn, SystemClock().now())
    _audit(config, AuditAction.WATCHLIST_VIEW, "", {"via": "cli", "entries": len(entries)}, case)
    if as_json:
        print_json_lines([e.to_json() for e in entries])
        return
    for entry in entries:
        until = _local(entry.expires) if entry.expires else "until removed"
        click.echo(f"{entry.id:>5}  {entry.pattern:<12} {entry.added_by:<16} {_local(entry.added)}  "
                   f"{until:<19}  {entry.note}")


@watchlist_group.command("remove")
@click.argument("entry")
@config_option
@case_options
def watchlist_remove(entry, config_path, case_number, reason, case_note) -> None:
    """Remove ENTRY (its id from `dozor watchlist list`, or the plate/pattern)."""
    from plate_index.watchlist import find_entry, remove_entry

    config = load_or_exit(config_path)
    case = _case(config, case_number, reason, case_note)  # before anything is opened
    conn = _watchlist(config)
    now = SystemClock().now()
    found = find_entry(conn, entry, now)
    # The attempt, before its answer: "not on the watchlist" tells whether a plate is listed.
    target, detail = (entry, {"found": False}) if found is None else (found.pattern, {"entry": found.id})
    _audit(config, AuditAction.WATCHLIST_REMOVE, target, {"via": "cli", **detail}, case)
    if found is None:
        fail(f"{entry!r} is not on the watchlist; see `dozor watchlist list`")
        return
    remove_entry(conn, found.id, cli_actor(), now)
    click.echo(f"removed {found.pattern} (id {found.id})")


# `dozor alerts --config X` lists and `dozor alerts ack ID --config X` acknowledges: a group whose
# --config may come before or after the subcommand's name.
loose_config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), envvar="DOZOR_CONFIG",
    help="Path to the TOML config (or set DOZOR_CONFIG).",
)


def _config_path(click_ctx: click.Context, given: str | None) -> str:
    path = given or (click_ctx.parent.params.get("config_path") if click_ctx.parent else None)
    if not path:
        raise click.UsageError("Missing option '--config'.", click_ctx)
    return path


@click.group("alerts", invoke_without_command=True)
@loose_config_option
@click.option("--since", help="Only alerts raised at or after this time (ISO-8601).")
@click.option("--open", "unacknowledged", is_flag=True, help="Only alerts nobody acknowledged yet.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 5000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert.")
@case_options
@click.pass_context
def alerts_group(click_ctx, config_path, since, unacknowledged, limit, as_json, case_number, reason,
                 case_note) -> None:
    """Watchlist alerts, newest first (the web UI's alerts page); `dozor alerts ack ID` acknowledges one."""
    if click_ctx.invoked_subcommand is not None:
        return
    from plate_index.watch_alerts import list_alerts

    since_at = _time(since, "--since")
    config = load_or_exit(_config_path(click_ctx, config_path))
    case = _case(config, case_number, reason, case_note)  # before anything is opened
    conn = _watchlist(config)
    filters = {"since": since, "open": unacknowledged or None}
    detail = {"via": "cli", **{k: v for k, v in filters.items() if v}}
    _audit(config, AuditAction.ALERTS_VIEW, "", detail, case)
    alerts = list_alerts(conn, since=since_at, unacknowledged=unacknowledged, limit=limit)
    if as_json:
        print_json_lines([a.to_json() for a in alerts])
        return
    for alert in alerts:
        acked = f"acknowledged by {alert.acknowledged_by}" if alert.acknowledged else "open"
        click.echo(f"{alert.id:>5}  {_local(alert.first_seen)}  {alert.camera:<16} {alert.plate:<10} "
                   f"{alert.pattern} ({alert.match})  {acked}  {alert.note}")


@alerts_group.command("ack")
@click.argument("alert_id", type=click.IntRange(1, MAX_INTEGER))
@loose_config_option
@case_options
@click.pass_context
def alerts_ack(click_ctx, alert_id, config_path, case_number, reason, case_note) -> None:
    """Acknowledge alert ALERT_ID (its id from `dozor alerts`): seen and dealt with, by you, now."""
    from plate_index.watch_alerts import acknowledge

    config = load_or_exit(_config_path(click_ctx, config_path))
    case = _case(config, case_number, reason, case_note)  # before anything is opened
    conn = _watchlist(config)
    _audit(config, AuditAction.ALERT_ACK, str(alert_id), {"via": "cli"}, case)
    if not acknowledge(conn, alert_id, cli_actor(), SystemClock().now()):
        fail(f"alert {alert_id} does not exist or was acknowledged already; see `dozor alerts`")
    click.echo(f"acknowledged alert {alert_id}")


COMMANDS = [watchlist_group, alerts_group]
