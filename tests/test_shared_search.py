"""`[index] url`: `dozor search` and the web UI's police search read the hromada's shared PostgreSQL index
(every node's sightings, each with its node), and say so plainly when it cannot be reached."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from webapp import WebSite, make_config, signed_in

from dozor.cli import main
from edge.config import parse_config
from plate_index.pg_index import PostgresIndex
from plate_index.store import NewSighting

CASE = ("--case", "12026100000000123", "--reason", "theft")


def _ship(url: str, node: str, plates: list[str], camera: str = "road-north") -> None:
    """Sightings as a node's outbox ships them, first seen a minute apart up to now."""
    index = PostgresIndex.open(url)
    now = time.time()
    with index.conn.transaction():
        index.put(node, [
            (n, NewSighting(camera, plate, now - 60 * (len(plates) - n), now - 60 * (len(plates) - n) + 2,
                            0.9, 4, crop_path=f"plates/c/{plate}.jpg"))
            for n, plate in enumerate(plates, start=1)
        ])
    index.close()


def _config_file(tmp_path, url: str) -> str:
    path = tmp_path / "dozor.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "data"}"\n[index]\nurl = "{url}"\nnode = "hub"\n')
    return str(path)


def test_cli_search_lists_every_nodes_sightings_with_their_node(tmp_path, postgres_url):
    _ship(postgres_url, "village-a", ["BH1234AA", "KA5555XX"])
    _ship(postgres_url, "village-b", ["BH1999CC"])
    result = CliRunner().invoke(main, ["search", "вн1", "--config", _config_file(tmp_path, postgres_url),
                                       "--json", *CASE])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["plate"], r["node"], r["match"]) for r in rows] == [
        ("BH1999CC", "village-b", "exact"), ("BH1234AA", "village-a", "exact"),
    ]


def test_cli_search_says_when_the_shared_index_cannot_be_reached(tmp_path, postgres_server):
    url = f"postgresql://dozor@127.0.0.1:{postgres_server.port + 1}/nothing"  # nobody listens there
    result = CliRunner().invoke(main, ["search", "BH1", "--config", _config_file(tmp_path, url), *CASE])
    assert result.exit_code == 1
    assert "cannot reach the shared plate index" in result.output
    bad = CliRunner().invoke(main, ["search", "B1", "--config", _config_file(tmp_path, url), *CASE])
    assert "at least 3 characters" in bad.output  # the officer's mistake first, whatever the index


def test_web_search_on_the_hub_reads_the_shared_index(tmp_path, postgres_url):
    _ship(postgres_url, "village-a", ["BH1234AA"])
    _ship(postgres_url, "village-b", ["BH1999CC"])
    data = tmp_path / "data"
    data.mkdir()
    raw = make_config(data).model_dump(mode="json")
    config = parse_config({**raw, "index": {"url": postgres_url, "node": "hub"}})
    client = signed_in(WebSite(data).app(config=config), "police")
    found = client.get("/api/search?q=BH1").get_json()["results"]
    assert [(r["plate"], r["node"]) for r in found] == [("BH1999CC", "village-b"), ("BH1234AA", "village-a")]


def test_web_search_answers_503_not_an_empty_list_when_the_index_is_down(tmp_path, postgres_server):
    data = tmp_path / "data"
    data.mkdir()
    raw = make_config(data).model_dump(mode="json")
    url = f"postgresql://dozor@127.0.0.1:{postgres_server.port + 1}/nothing"
    client = signed_in(WebSite(data).app(config=parse_config({**raw, "index": {"url": url}})), "police")
    answer = client.get("/api/search?q=BH1")
    assert answer.status_code == 503
    assert "shared plate index" in answer.get_json()["error"] or "індекс" in answer.get_json()["error"]


@pytest.mark.parametrize("url", ["mysql://hub/dozor", "postgresql:///dozor", "https://hub"])
def test_the_index_url_must_be_a_postgresql_address_with_a_host(url):
    from edge.config import ConfigError

    with pytest.raises(ConfigError, match="postgresql"):
        parse_config({"index": {"url": url}})


def _hub(tmp_path, url: str):
    data = tmp_path / "data"
    data.mkdir()
    raw = make_config(data).model_dump(mode="json")
    config = parse_config({**raw, "index": {"url": url, "node": "hub"}})
    return data, signed_in(WebSite(data).app(config=config), "police")


def test_a_sighting_from_another_node_is_never_shown_with_this_appliances_video_or_pictures(
    tmp_path, postgres_url
):
    """Both nodes have a camera called road-north, and the same picture path: the hub shows the other
    node's sighting with its facts and where its video is, never its own video or picture for it."""
    from webapp import csrf_token

    _ship(postgres_url, "village-b", ["BH1999CC"])
    _ship(postgres_url, "hub", ["BH1234AA"])
    data, client = _hub(tmp_path, postgres_url)
    same_path = data / "plates" / "c" / "BH1999CC.jpg"  # this appliance's file, another car
    same_path.parent.mkdir(parents=True)
    same_path.write_bytes(b"\xff\xd8 not the other node's picture")
    found = {r["plate"]: r for r in client.get("/api/search?q=BH1").get_json()["results"]}
    assert found["BH1999CC"]["crop_url"] is None and found["BH1999CC"]["node"] == "village-b"
    assert found["BH1234AA"]["crop_url"]
    remote = found["BH1999CC"]["url"]
    page = client.get(remote).get_data(as_text=True)
    assert 'id="elsewhere"' in page and "village-b" in page and "<video" not in page
    assert client.get(remote + "/crop.jpg").status_code == 404
    assert "<video" in client.get(found["BH1234AA"]["url"]).get_data(as_text=True)
    token = csrf_token(client.get(found["BH1234AA"]["url"]).get_data(as_text=True))
    sighting_id = remote.rstrip("/").rsplit("/", 1)[1]
    refused = client.post("/holds", data={"sighting_id": sighting_id, "days": "30", "csrf_token": token})
    assert refused.status_code == 400 and "village-b" in refused.get_data(as_text=True)


def test_search_connections_cannot_change_the_index(postgres_url):
    """The web UI and the CLI read the index read-only: what the nodes shipped cannot be changed there."""
    import psycopg

    _ship(postgres_url, "village-a", ["BH1234AA"])
    index = PostgresIndex.open(postgres_url, readonly=True)
    try:
        assert [h.plate for h in index.search("BH1")] == ["BH1234AA"]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), index.conn.transaction():
            index.delete("village-a", [1])
    finally:
        index.close()
