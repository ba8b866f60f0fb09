"""Video stays on the node (issue 17): a hub's web UI over the shared index fetches another node's plate
pictures, video and live pictures from that node over HTTPS, audits each access, and says per result
when the node cannot be reached while search goes on answering from the index.

The node is a real `dozor web` over HTTPS (its self-signed certificate pinned by the hub), on a data
folder with recorded segments, a sighting with its pictures and a live picture; its plates.db is shipped
to a real PostgreSQL index by its outbox. The hub is the web UI app over that index, signed in as police.
"""

from __future__ import annotations

import http.client
import json
import ssl
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from node_parts import hub_app, hub_key, node_entry, self_signed, ship
from web_http import dozor_web, free_port
from webapp import TEST_CASE, csrf_token, read_plate, seed_recordings, signed_in, write_live_picture

from accounts import audit
from accounts.audit import AuditAction
from accounts.webdb import open_web_db
from dozor.cli import main
from edge.db import connect
from edge.layout import DataLayout
from edge.node_client import NodeClient, NodeUnreachable
from plate_index.store import open_store
from recorder import holds
from recorder.catalog import segment_by_id

pytestmark = pytest.mark.slow
NODE = "village-a"


@pytest.fixture
def node(tmp_path, segment_file, postgres_url):
    """A recording node: three 10 s segments, a car read in the middle one, a live picture; its
    `dozor web` serving the hub over HTTPS, its sighting shipped to the index."""
    folder = tmp_path / NODE
    data = folder / "data"
    data.mkdir(parents=True)
    layout = DataLayout(data)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=40)
    segments = seed_recordings(layout, "road-north", start, 3, 10, template=segment_file(10))
    sighting = read_plate(layout, "road-north", "BH1234AA", start + timedelta(seconds=14))
    write_live_picture(layout, "road-north", NODE)
    fingerprint = self_signed(data)
    key_file, digest = hub_key(tmp_path, NODE)
    ship(data, postgres_url, NODE)
    extra = f'[index]\nnode = "{NODE}"\nhub_key_sha256 = "{digest}"\n'
    with dozor_web(folder, data, extra=extra, tls=True) as port:
        yield {"layout": layout, "port": port, "fingerprint": fingerprint, "key_file": key_file,
               "segments": segments, "sighting": sighting, "start": start}


def _entries(data_dir, action):
    with closing(open_web_db(DataLayout(data_dir))) as conn:
        return audit.entries(conn, action=action, limit=1000)


def test_the_hub_shows_a_nodes_pictures_and_video_fetched_from_it_and_audits_each(
    tmp_path, node, postgres_url
):
    hub_data = tmp_path / "hub"
    entry = node_entry(NODE, node["port"], node["fingerprint"], node["key_file"])
    _, app = hub_app(hub_data, postgres_url, [entry])
    police = signed_in(app, "police")

    (result,) = police.get("/api/search?q=BH1").get_json()["results"]
    assert result["node"] == NODE and result["video_note"] is None and result["crop_url"]
    layout = node["layout"]
    with closing(open_store(layout.plates_db, readonly=True)) as conn:
        crop, scene = conn.execute("SELECT crop_path, scene_path FROM sightings").fetchone()
    assert police.get(result["crop_url"]).data == (layout.root / crop).read_bytes()
    scene_url = result["url"] + "/scene.jpg"
    assert police.get(scene_url).data == (layout.root / scene).read_bytes()
    pictures = [e for e in _entries(hub_data, AuditAction.SIGHTING_PICTURE) if e.detail.get("node") == NODE]
    assert len(pictures) == 1 and pictures[0].actor == "police"  # the scene; the crop is the search's

    page = police.get(result["url"]).get_data(as_text=True)
    segments_url = f"/nodes/{NODE}/api/segments/road-north"
    assert "<video" in page and segments_url in page
    moment = node["start"]
    listed = police.get(segments_url, query_string={
        "from": moment.isoformat(), "to": (moment + timedelta(seconds=30)).isoformat(),
    }).get_json()["segments"]
    assert [s["id"] for s in listed] == node["segments"]
    first = listed[0]
    assert first["url"] == f"/nodes/{NODE}/video/road-north/{node['segments'][0]}.mp4"
    with closing(connect(layout.catalog_db, readonly=True)) as catalog:
        segment = segment_by_id(catalog, first["id"])
    assert segment is not None
    with police.get(first["url"]) as video:  # closed: an open video holds one of the user's slots
        assert video.status_code == 200 and video.mimetype == "video/mp4"
        assert video.data == segment.file(layout).read_bytes()
    with police.get(first["url"], headers={"Range": "bytes=0-99"}) as ranged:
        assert ranged.status_code == 206 and len(ranged.data) == 100
    views = [e for e in _entries(hub_data, AuditAction.VIDEO_VIEW) if e.detail.get("node") == NODE]
    assert len(views) == 1 and views[0].detail["segment"] == first["id"] and views[0].case_number

    # a hold placed on the hub is kept on the node, where the video and its retention are
    token = csrf_token(page)
    sighting_id = result["url"].rstrip("/").rsplit("/", 1)[1]
    placed = police.post("/holds", data={"sighting_id": sighting_id, "days": "30", "csrf_token": token})
    assert placed.status_code == 200 and 'id="hold-notice"' in placed.get_data(as_text=True)
    with closing(holds.open_holds(layout)) as conn:
        (hold,) = holds.all_holds(conn)
    assert (hold.sighting_id, hold.placed_by, hold.case_number) == (node["sighting"], "hub:police",
                                                                    TEST_CASE["number"])
    assert [e.actor for e in _entries(layout.root, AuditAction.HOLD_PLACED)] == ["hub:police"]
    (placed_entry,) = _entries(hub_data, AuditAction.HOLD_PLACED)
    assert placed_entry.detail["node"] == NODE and placed_entry.actor == "police"
    too_long = police.post("/holds", data={"sighting_id": sighting_id, "days": "9999", "csrf_token": token})
    assert too_long.status_code == 400

    volunteer = signed_in(app, "volunteer")
    assert police.get(f"/nodes/{NODE}/live/road-north.jpg").data[:2] == b"\xff\xd8"
    assert volunteer.get(f"/nodes/{NODE}/live/road-north.jpg").status_code == 200
    assert volunteer.get(first["url"]).status_code == 403  # volunteers never see recorded video
    nodes_page = volunteer.get("/nodes").get_data(as_text=True)
    assert f"/nodes/{NODE}/live/road-north.jpg" in nodes_page
    lives = [e for e in _entries(hub_data, AuditAction.LIVE_VIEW) if e.detail.get("node") == NODE]
    assert {e.actor for e in lives} == {"police", "volunteer"}

    for attack in (f"/nodes/{NODE}/live/..%2F..%2Fweb.db.jpg", f"/nodes/{NODE}/live/ROAD.jpg",
                   "/nodes/village-z/live/road-north.jpg", f"/nodes/{NODE}/api/segments/..%2Fx"):
        assert police.get(attack).status_code == 404, attack


def test_a_node_answers_only_its_hub_and_the_hub_talks_only_to_the_pinned_node(tmp_path, node):
    port = node["port"]
    client = NodeClient(NODE, f"https://127.0.0.1:{port}", node["fingerprint"], node["key_file"])
    assert client.ping()["node"] == NODE
    assert client.get("sightings", node["sighting"], "crop").read()[:2] == b"\xff\xd8"

    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_text("not-the-key\n")
    refused = NodeClient(NODE, f"https://127.0.0.1:{port}", node["fingerprint"], wrong_key)
    answer = refused.get("sightings", node["sighting"], "crop")
    answer.close()
    assert answer.status == 403
    with pytest.raises(NodeUnreachable, match="refused the hub"):
        refused.ping()
    # the key never crosses to a machine whose certificate is not the pinned one
    impostor = NodeClient(NODE, f"https://127.0.0.1:{port}", "0" * 64, node["key_file"])
    with pytest.raises(NodeUnreachable, match="certificate other than") as caught:
        impostor.ping()
    assert node["key_file"].read_text().strip() not in str(caught.value)
    # without a key: nothing
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    bare = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    bare.request("GET", f"/node/v1/sightings/{node['sighting']}/crop")
    status = bare.getresponse().status
    bare.close()
    assert status == 403


def test_a_node_that_cannot_be_reached_is_named_per_result_and_search_still_answers(
    tmp_path, node, postgres_url
):
    entry = node_entry(NODE, node["port"], node["fingerprint"], node["key_file"])
    entry["url"] = f"https://127.0.0.1:{free_port()}"  # nobody listens there: the node's link is down
    hub_data = tmp_path / "hub"
    _, app = hub_app(hub_data, postgres_url, [entry])
    police = signed_in(app, "police")
    answer = police.get("/api/search?q=BH1&group=1").get_json()
    (group,) = answer["groups"]
    (item,) = group["items"]
    assert NODE in item["video_note"] and group["video_notes"] == [item["video_note"]]
    assert item["crop_url"] is None
    page = police.get(item["url"]).get_data(as_text=True)
    assert 'id="elsewhere"' in page and NODE in page and "<video" not in page
    segments = police.get(f"/nodes/{NODE}/api/segments/road-north")
    assert segments.status_code == 503 and NODE in segments.get_json()["error"]

    config = hub_data / "hub.toml"
    config.write_text(
        f'[storage]\npath = "{hub_data}"\n[index]\nurl = "{postgres_url}"\nnode = "hub"\n'
        + "".join(f'[[nodes]]\n{k} = "{v}"\n' if k == "name" else f'{k} = "{v}"\n' for k, v in entry.items())
    )
    status = CliRunner().invoke(main, ["status", "--config", str(config), "--json"])
    figures = json.loads(status.stdout)["index"]
    (listed,) = [n for n in figures["nodes"] if n["node"] == NODE]
    assert listed["video"] is False and "did not answer" in listed["video_error"]
    assert listed["sightings"] == 1 and listed["last_sighting"]

