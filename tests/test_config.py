"""The config schema: the example validates, every key is documented, bad files give clear errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from edge.config import Config, ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.example.toml"


def test_example_config_is_valid():
    config = load_config(EXAMPLE)
    assert config.storage.retention_days == 14
    assert [c.name for c in config.cameras] == ["road-north", "village-square"]


def _keys(model: type[BaseModel]) -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        keys.add(name)
        annotation = field.annotation
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                keys |= _keys(candidate)
    return keys


def test_example_config_documents_every_key():
    text = EXAMPLE.read_text()
    # a key line, or the key line of an optional table shown commented out (# [[nodes]] on a hub)
    written = set(re.findall(r"^(?:# )?\s*([a-z0-9_]+)\s*=", text, re.M))
    written |= set(re.findall(r"\[+([a-z_.]+)\]+", text))
    written |= {part for key in written for part in key.split(".")}
    missing = _keys(Config) - written
    assert not missing, f"config.example.toml does not show: {sorted(missing)}"


def _problems(toml_text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "c.toml"
    path.write_text(toml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


CAM = '[[cameras]]\nname = "cam-1"\nurl = "rtsp://10.0.0.1/s"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[storage]\nretention_days = 0\n", "storage.retention_days = 0: "),
        ('[storage]\nretention_days = "two weeks"\n', 'storage.retention_days = "two weeks"'),
        ("[storage]\nmax_disk_gb = -5\n", "storage.max_disk_gb = -5"),
        ("[storage]\nretension_days = 14\n", "did you mean 'retention_days'"),
        ("[recorder]\nsegment_seconds = 1\n", "recorder.segment_seconds = 1"),
        (
            "[recorder]\nreconnect_min_seconds = 20\nreconnect_max_seconds = 5\n",
            "reconnect_max_seconds must not",
        ),
        ("[lpr]\nsample_fps = 0\n", "lpr.sample_fps = 0"),
        ('[web]\nlisten = "8080"\n', 'web.listen = "8080": must be host:port'),
        ('[web]\nlanguage = "de"\n', 'web.language = "de"'),
        ('[[cameras]]\nname = "Road North"\nurl = "rtsp://h/s"\n', 'cameras[0].name = "Road North"'),
        ('[[cameras]]\nname = "a"\n', "cameras[0].url: required key is missing"),
        ('[[cameras]]\nname = "a"\nurl = "http://u:secret@h/"\n', "must be an rtsp:// address"),
        (CAM + CAM, "is used twice"),
        (CAM + "[cameras.motion]\nmask = [[0, 0], [1, 1]]\n", "cameras[0].motion.mask"),
        (CAM + "[cameras.motion]\nmask = [[0, 0], [2, 1], [0, 1]]\n", "between 0 and 1"),
        ("[storage\npath = 1\n", "not valid TOML"),
        ('[[cameras]]\nname = "a"\nurl = "rtsp://h"\nfps = 5\n', "cameras[0].fps: unknown key"),
    ],
)
def test_malformed_config_names_key_value_and_hint(text, expected, tmp_path):
    problems = _problems(text, tmp_path)
    assert any(expected in p for p in problems), problems
    assert all("hint" in p or "is used twice" in p or "must not" in p for p in problems), problems


def test_password_never_shown_in_errors(tmp_path):
    problems = _problems('[[cameras]]\nname = "a"\nurl = "http://admin:hunter2@10.0.0.1/"\n', tmp_path)
    assert not any("hunter2" in p for p in problems)
    assert any("admin:***@" in p for p in problems)


# Cameras want a "special character" in their passwords; '#' is the one installers type most. Not
# percent-encoded, a # / or ? ends the url's host part inside the password (urllib, FFmpeg).
RAW_PASSWORDS = ["Admin#2024", "Kyiv#2024/P@ss:1", "pa?ss1", "1234#5"]
COMMANDS = [["probe", "gate"], ["check-config"], ["aim", "gate", "--minutes", "0.1"]]


@pytest.mark.parametrize("password", RAW_PASSWORDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_password_typed_with_a_hash_slash_or_question_mark_is_refused_and_never_printed(
        tmp_path, password, command):
    """The config's error line shows the url without the password, and says to percent-encode it
    (as `dozor probe URL` does for the same url), rather than blaming the port."""
    from click.testing import CliRunner

    from dozor.cli import main

    config = tmp_path / "dozor.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "data"}"\n[[cameras]]\nname = "gate"\n'
                      f'url = "rtsp://admin:{password}@10.0.0.11:554/stream1"\n')
    args = [*command, str(config)] if command[0] == "check-config" else [*command, "--config", str(config)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert password not in result.output, f"the password is printed: {result.output}"
    head, tail = re.split(r"[#/?]", password, maxsplit=1)
    assert f"admin:{head}" not in result.output and f"{tail}@" not in result.output, result.output
    assert "percent-encoded" in result.output and "%23" in result.output, result.output
    assert "10.0.0.11:554/stream1" in result.output  # which camera it is, still


def test_missing_file_is_a_clear_error(tmp_path):
    problems = _problems_from_missing(tmp_path / "nope.toml")
    assert "file not found" in problems[0]


def _problems_from_missing(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def test_model_dir_env_overrides_file(monkeypatch):
    config = parse_config({"lpr": {"model_dir": "/from/file"}})
    monkeypatch.setenv("DOZOR_MODEL_DIR", "/from/env")
    assert config.lpr.effective_model_dir() == "/from/env"
    monkeypatch.delenv("DOZOR_MODEL_DIR")
    assert config.lpr.effective_model_dir() == "/from/file"


def test_check_config_cli_exit_codes_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[storage]\nretention_days = -1\n")
    cmd = [sys.executable, "-m", "dozor.cli.__main__"]
    ok = subprocess.run([*cmd, "check-config", str(EXAMPLE)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run([*cmd, "check-config", str(bad)], capture_output=True, text=True)
    assert failed.returncode == 1
    assert "storage.retention_days = -1" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_config_docs_match_schema():
    from edge.config_docs import render

    committed = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "docs/config.md drifted from the schema: run `dozor config-docs > docs/config.md`"
    )


def test_a_camera_names_its_directions_and_a_bad_name_is_refused():
    camera = {"name": "road-north", "url": "rtsp://10.0.0.11/s", "directions": {"towards": " на Одесу "}}
    directions = parse_config({"cameras": [camera]}).cameras[0].directions
    assert (directions.label("towards"), directions.label("away"), directions.label("unknown")) == (
        "на Одесу", "", ""
    )
    for bad in ({"towards": "x" * 41}, {"away": "на\nОдесу"}, {"north": "на Київ"}):
        with pytest.raises(ConfigError) as error:
            parse_config({"cameras": [{**camera, "directions": bad}]})
        assert "directions" in str(error.value)
