"""`dozor search`: the CLI contract (JSON fields, newest first, exact then tolerant, filters, errors)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dozor.cli import main
from edge.layout import DataLayout
from plate_index.store import NewSighting, insert_sighting, open_store

CASE = ("--case", "12026100000000123", "--reason", "theft")  # required by default ([access] require_case)
T = 1_772_366_400.0  # 2026-03-01T12:00:00Z


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "dozor.toml"
    data = tmp_path / "data"
    path.write_text(
        f'[storage]\npath = "{data}"\n[[cameras]]\nname = "road-north"\nurl = "rtsp://10.0.0.1/s"\n'
        '[[cameras]]\nname = "road-south"\nurl = "rtsp://10.0.0.2/s"\n'
    )
    conn = open_store(DataLayout(data).plates_db)
    for minute, plate, camera in [(1, "BE7123AA", "road-north"), (2, "8E7555KX", "road-south"),
                                  (3, "BE7999CC", "road-south"), (4, "AA0001BB", "road-north")]:
        insert_sighting(conn, NewSighting(camera, plate, T + minute * 60, T + minute * 60 + 3, 0.91, 5,
                                          crop_path=f"plates/c/{plate}.jpg"))
    conn.close()
    return path


def _run(*args):
    return CliRunner().invoke(main, ["search", *args, *CASE])


def test_cyrillic_query_finds_latin_plates_exact_then_tolerant(config):
    result = _run("ВЕ7", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["plate"], r["match"]) for r in rows] == [
        ("BE7999CC", "exact"), ("BE7123AA", "exact"), ("8E7555KX", "tolerant"),
    ]
    assert set(rows[0]) >= {"id", "plate", "camera", "first_seen", "last_seen", "confidence", "alternatives",
                            "match", "crop_path"}
    assert rows[0]["first_seen"] == "2026-03-01T12:03:00.000Z"


def test_confusable_query_finds_them_as_tolerant(config):
    rows = [json.loads(line) for line in _run("8E7", "--config", str(config), "--json").stdout.splitlines()]
    assert [(r["plate"], r["match"]) for r in rows] == [
        ("8E7555KX", "exact"), ("BE7999CC", "tolerant"), ("BE7123AA", "tolerant"),
    ]


def test_exact_camera_and_time_filters(config):
    out = _run("BE7", "--config", str(config), "--json", "--exact", "--camera", "road-south").stdout
    assert [json.loads(line)["plate"] for line in out.splitlines()] == ["BE7999CC"]
    out = _run("BE7", "--config", str(config), "--json", "--since", "2026-03-01T12:02:30Z",
               "--until", "2026-03-01T12:10").stdout
    assert [json.loads(line)["plate"] for line in out.splitlines()] == ["BE7999CC"]


def test_human_output_one_line_per_sighting(config):
    result = _run("be-7", "--config", str(config))
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3
    assert "BE7999CC" in result.stdout.splitlines()[0]


@pytest.mark.parametrize(("args", "message"), [
    (["B7"], "at least 3 characters"),
    (["BE7", "--since", "yesterday"], "not an ISO-8601 time"),
])
def test_bad_input_is_a_clear_error_without_traceback(config, args, message):
    result = _run(*args, "--config", str(config))
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_search_before_any_plate_was_stored_finds_nothing(tmp_path):
    path = tmp_path / "dozor.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "empty"}"\n')
    result = _run("BE7", "--config", str(path), "--json")
    assert result.exit_code == 0 and result.stdout == ""
