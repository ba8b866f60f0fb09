"""Property tests of the config loader: whatever an installer types (random TOML-ish text, wrong types,
unknown keys, odd Unicode), loading gives a Config or a ConfigError whose every problem starts with the
key path it is about, never a traceback."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dozor.cli import main
from edge.config import Config, ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def _field_names(model: type[BaseModel]) -> set[str]:
    names = set(model.model_fields)
    for field in model.model_fields.values():
        for candidate in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                names |= _field_names(candidate)
    return names


KNOWN_KEYS = sorted(_field_names(Config))
keys = st.sampled_from(KNOWN_KEYS) | st.from_regex(r"[a-z_]{1,10}", fullmatch=True)
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
    | st.sampled_from(
        [
            "rtsp://10.0.0.1/s",
            "rtsp://u:secret@cam/x",
            "127.0.0.1:8080",
            "/var/lib/dozor",
            "uk",
            "en",
            "",
            "cam-1",
            "road-north",
        ]
    )
    | st.datetimes().map(lambda d: d.replace(fold=0))
    | st.dates()
    | st.times().map(lambda t: t.replace(fold=0))
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=16,
)
camera_tables = st.lists(st.dictionaries(keys, values, max_size=7), max_size=3)
documents = st.dictionaries(
    st.sampled_from(["storage", "recorder", "lpr", "web", "cameras"]) | keys,
    values | camera_tables,
    max_size=6,
)
KEY = r"[a-z_][a-z0-9_]*"  # config keys may hold digits (hub_key_sha256)
PATH = re.compile(rf"^(?P<path>{KEY}(?:\[\d+\])*(?:\.{KEY}(?:\[\d+\])*)*)(?: = .*?)?: ", re.S)


def _resolve(document: Any, path: str) -> tuple[bool, bool]:
    """(whether the path's parent exists in the document, whether the path itself does)."""
    parts = re.findall(rf"{KEY}|\[\d+\]", path)
    node, parent_ok = document, True
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.startswith("["):
            index = int(part[1:-1])
            found = isinstance(node, list) and index < len(node)
            node = node[index] if found else None
        else:
            found = isinstance(node, dict) and part in node
            node = node.get(part) if found else None
        if not found:
            return parent_ok and last, False
    return True, True


def _check_problems(error: ConfigError, document: dict[str, Any]) -> None:
    assert error.problems, "a ConfigError lists at least one problem"
    for problem in error.problems:
        assert "Traceback" not in problem and "\n" not in problem.strip(), problem
        if problem.startswith("configuration: "):  # about the document as a whole (not a table)
            assert not isinstance(document, dict), problem
            continue
        found = PATH.match(problem)
        assert found, f"no key path at the start of: {problem!r}"
        parent_ok, exists = _resolve(document, found["path"])
        if "required key is missing" in problem:
            assert parent_ok and not exists, problem
        else:
            assert exists, f"{problem!r} names a key the document does not have"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
@example({"cameras": [{"name": "a", "url": "rtsp://x/1"}, {"name": "a", "url": "rtsp://x/2"}]})
@example({"recorder": {"reconnect_min_seconds": 9, "reconnect_max_seconds": 1}})
@example({"cameras": [{"name": "cam", "url": "rtsp://cam/s", "motion": {"mask": [[0, 0], [2, "x"]]}}]})
@example({"cameras": {"name": "cam"}})
@example({"storage": {"path": "/var/lib/dozor\u0000/x"}})
def test_any_document_gives_a_config_or_problems_with_key_paths(document):
    try:
        parse_config(document, "test.toml")
    except ConfigError as error:
        _check_problems(error, document)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("-inf" if value < 0 else "inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def to_toml(document: dict[str, Any]) -> str:
    """A TOML text of `document` (inline tables and arrays: every document has one)."""
    return "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in document.items())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents)
def test_a_file_loads_like_its_document(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("toml") / "dozor.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    try:
        expected = parse_config(document)
    except ConfigError as error:
        expected = error
    try:
        loaded = load_config(path)
    except ConfigError as error:
        _check_problems(error, document)
        assert isinstance(expected, ConfigError) and error.problems == expected.problems
        return
    assert loaded == expected


def _mutations(text: str) -> st.SearchStrategy[str]:
    lines = text.splitlines(keepends=True)

    def mutate(edits: list[tuple[int, int, str]]) -> str:
        out = list(lines)
        for kind, where, insert in edits:
            where %= max(1, len(out))
            if kind == 0 and out:
                del out[where]
            elif kind == 1:
                out.insert(where, insert + "\n")
            elif out:
                line = out[where]
                cut = len(insert) % (len(line) + 1)
                out[where] = line[:cut] + insert + line[cut:]
        return "".join(out)

    edit = st.tuples(
        st.integers(0, 2),
        st.integers(0, 10_000),
        texts | st.sampled_from(["[", "]]", '"', "=", "[[cameras]]", "x = ", "\\u", "#"]),
    )
    return st.lists(edit, min_size=1, max_size=6).map(mutate)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_mutations(EXAMPLE.read_text()) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_mangled_files_give_a_config_error_never_a_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("mangled") / "dozor.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        load_config(path)
    except ConfigError as error:
        assert error.problems and all(p.strip() for p in error.problems)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents)
def test_check_config_answers_in_words(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("cli") / "dozor.toml"
    path.write_text(to_toml(document), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", str(path)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


url_parts = st.tuples(
    st.sampled_from(["rtsp", "rtsps", "http", "RTSP", ""]),
    st.sampled_from(["", "user@", "user:pa:ss@", "u:p@", "@"]) | texts.map(lambda t: t + "@"),
    st.sampled_from(["10.0.0.11", "cam.local", "[::1]", "[::1", "h\u0000", "", "кам.укр"]),
    st.sampled_from(["", ":554", ":0", ":65535", ":65536", ":99999", ":-1", ":abc", ":"])
    | st.integers(-5, 10**6).map(lambda n: f":{n}"),
    st.sampled_from(["/stream1", "", "/\u0000", "/a b", "/?x=1#y"]) | texts.map(lambda t: "/" + t),
)


@settings(max_examples=500, deadline=None)
@given(url_parts)
@example(("rtsp", "", "host", ":99999", "/x"))
@example(("rtsp", "u:p@", "h", ":-1", "/x"))
def test_every_camera_url_the_config_accepts_can_be_probed_and_masked(parts):
    from edge.redact import mask_url
    from recorder import reachability

    scheme, userinfo, host, port, path = parts
    url = f"{scheme}://{userinfo}{host}{port}{path}"
    try:
        config = parse_config({"cameras": [{"name": "cam", "url": url, "lpr_url": url}]})
    except ConfigError as error:
        _check_problems(error, {"cameras": [{"name": "cam", "url": url, "lpr_url": url}]})
        assert all("secret" not in p for p in error.problems)
        return
    camera = config.cameras[0]
    assert "pa:ss" not in mask_url(camera.url)
    if not host.startswith("h\u0000"):
        assert reachability.stream_present(camera.url, timeout=0.01) in (True, False, None)


@settings(max_examples=200, deadline=None)
@given(texts)
@example("/var/lib/dozor\u0000x")
def test_every_storage_path_the_config_accepts_can_be_created(text):
    try:
        config = parse_config({"storage": {"path": text}})
    except ConfigError as error:
        assert error.problems[0].startswith("storage.path")
        return
    assert "\x00" not in str(config.storage.path)  # os.mkdir would raise ValueError: a traceback at start
