"""Generates docs/config.md from the config schema, so the documentation cannot drift from the code.

`dozor config-docs > docs/config.md` rewrites it; a test fails when the committed file differs.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from edge.config import Config

_HEADER = """# Configuration reference

Generated from the schema in `edge/config.py` by `dozor config-docs`; do not edit by hand.
Dozor reads one TOML file (`/etc/dozor/config.toml` on an appliance). Check a file with
`dozor check-config PATH`: every problem is reported with its key, the bad value and a hint.
`config.example.toml` shows every key with its default.
"""


def render() -> str:
    lines = [_HEADER]
    for name, field in Config.model_fields.items():
        model = _inner_model(field.annotation)
        if model is None:
            continue
        is_list = _is_list(field.annotation)
        header = f"[[{name}]]" if is_list else f"[{name}]"
        lines += [f"## `{header}`", "", field.description or "", ""]
        lines += _table(model, prefix="")
        for sub_name, sub_field in model.model_fields.items():
            sub_model = _inner_model(sub_field.annotation)
            if sub_model is not None:
                lines += [f"### `[{name}.{sub_name}]`", "", sub_field.description or "", ""]
                lines += _table(sub_model, prefix="")
    return "\n".join(lines).rstrip() + "\n"


def _table(model: type[BaseModel], prefix: str) -> list[str]:
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if _inner_model(field.annotation) is not None:
            continue
        meaning = " ".join((field.description or "").split()).replace("|", "\\|")  # a docstring may wrap
        rows.append(
            f"| `{prefix}{name}` | {_type_name(field)} | {_default(field)} | {meaning}{_bounds(field)} |"
        )
    return [*rows, ""]


def _type_name(field: Any) -> str:
    annotation = field.annotation
    name = getattr(annotation, "__name__", None) or str(annotation)
    if str(annotation).startswith("typing.Literal"):
        return " or ".join(f'`"{a}"`' for a in annotation.__args__)
    if str(annotation).startswith("list["):
        return "list of [x, y]"
    return {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "Path": "path"}.get(
        name, name
    )


def _default(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[]`"
    return f"`{value}`"


def _bounds(field: Any) -> str:
    parts = []
    for meta in field.metadata:
        for attr, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sign} {value}")
    return f" ({', '.join(parts)})" if parts else ""


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_list(annotation: Any) -> bool:
    return str(annotation).startswith("list[")
