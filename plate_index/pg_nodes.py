"""Who ships under which node name in the shared index, and what nodes that stopped running leave there.

Sightings in the index are keyed by (node, the node's plates.db id), so a node name must belong to one
appliance (plate_index.outbox keeps a random id for it in plates.db): two Raspberry Pis left on the
default host name would otherwise overwrite and delete each other's sightings. And a node deletes its
own sightings from the index as its retention runs; one that stopped running (broken, or taken out of
the hromada) cannot, so the nodes still running delete what it left as it passes the retention.
Both run in the caller's transaction (the outbox's batch, or its retention pass).
"""

from __future__ import annotations

import logging

import psycopg
from psycopg.rows import TupleRow

log = logging.getLogger(__name__)

SERVER_NOW = "extract(epoch from clock_timestamp())::double precision"  # the index's clock, epoch s


class NameTaken(Exception):
    """Another appliance ships under this node name: nothing of this one is shipped until it has a name
    of its own (its sightings wait in its outbox)."""


def claim(conn: psycopg.Connection[TupleRow], node: str, appliance: str) -> None:
    """Make sure `node` is this appliance's name here, in the caller's transaction (before it puts
    or deletes anything): the first appliance to ship under a name keeps it, and another one is
    refused with NameTaken, since sightings are keyed by (node, its plates.db id) and two appliances
    under one name would overwrite and delete each other's. Names this appliance shipped under
    before (it was renamed) leave, with their sightings: it ships them again under the new name."""
    row = conn.execute(
        "INSERT INTO nodes (name, appliance) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
        "SET appliance = COALESCE(nodes.appliance, EXCLUDED.appliance) RETURNING appliance",
        (node, appliance),
    ).fetchone()
    if row is None or row[0] != appliance:
        raise NameTaken(
            f"another appliance already ships to the shared index as node {node!r}: give this one a "
            "name of its own ([index] node in its config) and restart it, or, if it was rebuilt on a "
            "new disk, release the old name on the hub (README); its sightings wait here"
        )
    old = [name for (name,) in conn.execute(
        "DELETE FROM nodes WHERE appliance = %s AND name <> %s RETURNING name", (appliance, node)
    ).fetchall()]
    if old:
        conn.execute("DELETE FROM sightings WHERE node = ANY(%s)", (old,))
        log.info("node %s was shipped as %s before: its sightings there left the index", node, old)


def prune_silent(conn: psycopg.Connection[TupleRow], node: str, appliance: str, keep_days: float) -> int:
    """Note that `node` (this appliance) is alive, and delete the sightings older than `keep_days`
    of every other node not heard from for that long (it died, or was taken out of the hromada), in
    the caller's transaction; returns how many. A node that runs deletes its own as its retention
    runs (and keeps what its holds keep); one that no longer does must not leave them here for ever.
    The index's own clock decides, so a node whose clock is wrong cannot make others' look old."""
    conn.execute(f"UPDATE nodes SET heard_at = {SERVER_NOW} WHERE name = %s AND appliance = %s",
                 (node, appliance))
    keep = keep_days * 86400.0
    cursor = conn.execute(
        "DELETE FROM sightings s USING nodes n WHERE s.node = n.name AND n.name <> %s "
        f"AND coalesce(n.heard_at, 0) < {SERVER_NOW} - %s AND s.first_seen < {SERVER_NOW} - %s",
        (node, keep, keep),
    )
    return cursor.rowcount
