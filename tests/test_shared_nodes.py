"""Two nodes, one search, with real parts on loopback: a real PostgreSQL server, two `dozor run` daemons
each with its own RTSP camera (drive-by clips of real car photos) and data folder, reading plates with
the real models and shipping them to the shared index; `dozor search` on a hub config finds the cars of
both nodes, each result naming the node that holds its video, and each node's index rows are exactly its
plates.db's sightings (none lost, none twice)."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from plate_clips import make_test_clips
from recording import DozorRun, wait_until

from dozor.cli import main
from edge.layout import DataLayout
from plate_index.outbox import Shipper
from plate_index.pg_index import PostgresIndex
from plate_index.store import open_store

pytestmark = [pytest.mark.slow, pytest.mark.shared]
NODES = ("village-a", "village-b")


@pytest.fixture(scope="session")
def driveby_clips(plates_dir, model_dir, tmp_path_factory):
    return make_test_clips(plates_dir, model_dir, tmp_path_factory.getbasetemp() / "driveby")


def _node_config(folder: Path, node: str, camera_url: str, model_dir: Path, index_url: str) -> Path:
    path = folder / f"{node}.toml"
    path.write_text(
        f'[storage]\npath = "{folder / node}"\nmin_free_gb = 0\n[recorder]\nsegment_seconds = 10\n'
        f'live_fps = 0\n[lpr]\nmodel_dir = "{model_dir}"\n[web]\nenabled = false\n'
        f'[index]\nurl = "{index_url}"\nnode = "{node}"\n'
        f'[[cameras]]\nname = "road-north"\nurl = "{camera_url}"\nlpr = true\n'
    )
    return path


def _shipped(url: str) -> dict[str, set[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT node, plate FROM sightings").fetchall()
    found: dict[str, set[str]] = {node: set() for node in NODES}
    for node, plate in rows:
        found[node].add(plate)
    return found


def test_a_hub_search_finds_the_cars_of_both_nodes(
    tmp_path, model_dir, driveby_clips, rtsp_server, postgres_url, monkeypatch
):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    PostgresIndex.open(postgres_url).close()  # the hub's empty index, as `dozor search` on it leaves it
    clips = dict(zip(NODES, driveby_clips, strict=True))
    server = rtsp_server({node: clip.path for node, clip in clips.items()})
    configs = {n: _node_config(tmp_path, n, server.url(n), model_dir, postgres_url) for n in NODES}
    daemons = {node: DozorRun(configs[node], tmp_path / f"{node}.log") for node in NODES}
    wanted = {node: {car.plate for car in clip.passes} for node, clip in clips.items()}
    try:
        # every car of both clips read by its node and shipped (a clip loops: its cars come round again)
        arrived = wait_until(
            lambda: all(len(_shipped(postgres_url)[n] & wanted[n]) >= 0.9 * len(wanted[n]) for n in NODES),
            240,
        )
    finally:
        statuses = {node: daemon.terminate(timeout=40) for node, daemon in daemons.items()}
    logs = "\n".join(daemons[n].log()[-3000:] for n in NODES)
    assert arrived, f"shipped: {_shipped(postgres_url)}\n{logs}"
    assert statuses == dict.fromkeys(NODES, 0), logs

    hub = tmp_path / "hub.toml"
    hub.write_text(f'[storage]\npath = "{tmp_path / "hub"}"\n[index]\nurl = "{postgres_url}"\nnode = "hub"\n')
    for node, clip in clips.items():
        for car in clip.passes:
            result = CliRunner().invoke(main, ["search", car.plate[:3], "--config", str(hub), "--json",
                                               "--case", "ЄО 1", "--reason", "other"])
            hits = [json.loads(line) for line in result.stdout.splitlines()]
            if car.plate in _shipped(postgres_url)[node]:
                assert any(h["plate"] == car.plate and h["node"] == node for h in hits), (car.plate, hits)

    # What the daemons had not shipped when they stopped waits in their outboxes; shipped, each node's
    # index rows are exactly its sightings.
    with psycopg.connect(postgres_url) as conn:
        for node in NODES:
            plates_db = DataLayout(tmp_path / node).plates_db
            with closing(open_store(plates_db)) as local:
                shipper = Shipper(plates_db, postgres_url, node)
                while shipper.ship_once(local):
                    pass
                shipper.stop()
                mine = local.execute("SELECT id, plate FROM sightings ORDER BY id").fetchall()
            there = conn.execute("SELECT node_id, plate FROM sightings WHERE node = %s ORDER BY node_id",
                                 (node,)).fetchall()
            assert [tuple(row) for row in mine] == there
