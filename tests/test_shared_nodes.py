"""Two nodes, one search, with real parts on loopback (issue 17's acceptance): a real PostgreSQL server,
two `dozor run` daemons each with its own RTSP camera (drive-by clips of real car photos) and data
folder, reading plates with the real models and shipping them to the shared index, each serving its hub
over HTTPS; a hub's police search (web UI and `dozor search`) finds the cars of both nodes, and each
sighting's video plays from the node that recorded it, fetched by the hub. With one node down the hub's
search still answers and says that node's video is not reachable now. Each node's index rows are
exactly its plates.db's sightings (none lost, none twice)."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from node_parts import hub_app, hub_key, node_entry, self_signed
from plate_clips import make_test_clips
from recording import DozorRun, wait_until
from web_http import free_port
from webapp import signed_in

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


def _node_config(folder: Path, node: str, camera_url: str, model_dir: Path, index_url: str,
                 port: int, key_hash: str) -> Path:
    path = folder / f"{node}.toml"
    path.write_text(
        f'[storage]\npath = "{folder / node}"\nmin_free_gb = 0\n[recorder]\nsegment_seconds = 10\n'
        f'live_fps = 0\n[lpr]\nmodel_dir = "{model_dir}"\n[web]\nlisten = "127.0.0.1:{port}"\ntls = true\n'
        f'[index]\nurl = "{index_url}"\nnode = "{node}"\nhub_key_sha256 = "{key_hash}"\n'
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


@pytest.mark.timeout(600)  # up to 240 s for both clips' cars to be read and shipped, then the hub's checks
def test_a_hub_search_finds_the_cars_of_both_nodes_and_plays_each_ones_video_from_its_node(
    tmp_path, model_dir, driveby_clips, rtsp_server, postgres_url, monkeypatch
):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(model_dir))
    PostgresIndex.open(postgres_url).close()  # the hub's empty index, as `dozor search` on it leaves it
    clips = dict(zip(NODES, driveby_clips, strict=True))
    server = rtsp_server({node: clip.path for node, clip in clips.items()})
    entries, configs = [], {}
    for node in NODES:
        key_file, digest = hub_key(tmp_path, node)
        port = free_port()
        entries.append(node_entry(node, port, self_signed(tmp_path / node), key_file))
        configs[node] = _node_config(tmp_path, node, server.url(node), model_dir, postgres_url, port, digest)
    daemons = {node: DozorRun(configs[node], tmp_path / f"{node}.log") for node in NODES}
    wanted = {node: {car.plate for car in clip.passes} for node, clip in clips.items()}
    statuses: dict[str, int] = {}
    try:
        # every car of both clips read by its node and shipped (a clip loops: its cars come round again)
        arrived = wait_until(
            lambda: all(len(_shipped(postgres_url)[n] & wanted[n]) >= 0.9 * len(wanted[n]) for n in NODES),
            240,
        )
        logs = "\n".join(daemons[n].log()[-3000:] for n in NODES)
        assert arrived, f"shipped: {_shipped(postgres_url)}\n{logs}"
        _, app = hub_app(tmp_path / "hub", postgres_url, entries)
        police = signed_in(app, "police")
        for node in NODES:
            _plays_from_its_node(police, node, sorted(_shipped(postgres_url)[node] & wanted[node]), tmp_path)
        statuses["village-b"] = daemons["village-b"].terminate(timeout=40)  # its link goes down
        _, later = hub_app(tmp_path / "hub-later", postgres_url, entries)
        police = signed_in(later, "police")
        for plate in sorted(_shipped(postgres_url)["village-b"] & wanted["village-b"])[:3]:
            results = police.get(f"/api/search?q={plate}").get_json()["results"]
            mine = [r for r in results if r["plate"] == plate and r["node"] == "village-b"]
            assert mine and all("village-b" in r["video_note"] for r in mine), results
    finally:
        for node, daemon in daemons.items():
            if daemon.process.poll() is None:
                statuses[node] = daemon.terminate(timeout=40)
    logs = "\n".join(daemons[n].log()[-3000:] for n in NODES)
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


def _plays_from_its_node(police, node: str, plates: list[str], folder: Path) -> None:
    """The hub's search finds the node's cars; a sighting's page plays segments the hub fetched from that
    node, byte for byte the node's own files of that camera around the sighting."""
    from datetime import datetime, timedelta

    from edge.db import connect
    from recorder.catalog import segment_by_id

    assert plates, f"no car of {node} was shipped"
    results = police.get(f"/api/search?q={plates[0]}").get_json()["results"]
    hit = next(r for r in results if r["plate"] == plates[0] and r["node"] == node)
    assert hit["video_note"] is None and hit["crop_url"], hit
    assert police.get(hit["crop_url"]).data[:2] == b"\xff\xd8"
    page = police.get(hit["url"]).get_data(as_text=True)
    segments_url = f"/nodes/{node}/api/segments/road-north"
    assert segments_url in page and "<video" in page
    seen = datetime.fromisoformat(hit["first_seen"].replace("Z", "+00:00"))
    reach = timedelta(seconds=30)
    window = {"from": (seen - reach).isoformat(), "to": (seen + reach).isoformat()}
    listed = police.get(segments_url, query_string=window).get_json()["segments"]
    assert listed, f"{node} lists no video around {hit['first_seen']}"
    layout = DataLayout(folder / node)
    complete = 0
    with closing(connect(layout.catalog_db, readonly=True)) as catalog:
        for item in listed:
            assert item["url"].startswith(f"/nodes/{node}/video/road-north/"), item
            segment = segment_by_id(catalog, item["id"])
            if segment is None or segment.state != "complete":
                continue  # still being written (or deleted since): its bytes change under us
            with police.get(item["url"]) as played:  # closed: each open video holds one of 4 slots
                assert played.status_code == 200, (node, item)
                assert played.data == segment.file(layout).read_bytes(), (node, item)
            complete += 1
    assert complete, f"no complete segment of {node} around {hit['first_seen']}: {listed}"
