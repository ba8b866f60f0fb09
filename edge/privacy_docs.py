"""The data-protection pack, generated from the config: the text of a two-layer sign, a DPIA pre-filled
with the facts of this appliance, a records-of-processing entry, and how a person asks whether their
plate is stored; in Ukrainian and English (words in edge.privacy_texts).

The facts (cameras and what each looks at, retention, who sees what, where the data is, the
controller) are read from the same config the daemon runs with, so the published documents cannot
promise what the appliance does not do. Every key of the sections they rest on is listed at the end
with its value: a key added to the schema changes the pack, and tests/test_privacy_docs.py fails until
the committed docs/ are regenerated (`dozor privacy-docs --config config.example.toml --out docs`).
Camera addresses are never written (they may carry passwords).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from edge.config import Config
from edge.privacy_texts import BLANK, TEXTS

LANGUAGES = ("uk", "en")
SECTIONS = ("storage", "access", "oversight", "privacy")  # every key of these is listed
WEB_KEYS = ("listen",)
CAMERA_KEYS = ("name", "title", "looks_at", "enabled", "lpr")  # never url or lpr_url: credentials


def file_name(language: str) -> str:
    return f"data-protection.{language}.md"


def render(config: Config, language: str) -> str:
    t = TEXTS[language]
    fields = _fields(config, t)
    reads = {c.name: t["yes"] if c.lpr and config.lpr.enabled else t["no"] for c in config.cameras}
    cameras = [t["camera_head"]] + [
        f"| {c.display_name} | {c.looks_at or BLANK} | {reads[c.name]} |" for c in config.cameras if c.enabled
    ]
    sign = "\n".join(f"> {line}" if line else ">" for line in t["layer1_text"].format(**fields).split("\n"))
    parts = [
        f"# {t['title']}", t["generated"].format(**fields),
        f"## {t['sign']}", f"### {t['layer1']}", sign,
        f"### {t['layer2']}", t["layer2_intro"].format(**fields),
        f"#### {t['cameras']}", "\n".join(cameras),
        f"#### {t['who']}", t["who_text"].format(**fields),
        f"#### {t['where']}", t["where_text"].format(**fields),
        f"#### {t['retention']}", t["retention_text"].format(**fields),
        f"#### {t['basis']}", fields["basis"],
        f"#### {t['rights']}", t["rights_text"],
        f"## {t['dpia']}", t["dpia_intro"], t["dpia_rows"].format(**fields), "\n".join(cameras),
        f"## {t['ropa']}", t["ropa_rows"].format(**fields),
        f"## {t['access']}", t["access_text"].format(**fields),
        f"## {t['settings']}", "\n".join(settings_rows(config)),
    ]
    return "\n\n".join(parts) + "\n"


def _fields(config: Config, t: dict[str, str]) -> dict[str, Any]:
    privacy, access, rules = config.privacy, config.access, config.oversight
    enabled = [c for c in config.cameras if c.enabled]
    return {
        "blank": BLANK, "controller": privacy.controller or BLANK, "contact": privacy.contact or BLANK,
        "notice": privacy.full_notice_at or BLANK, "basis": privacy.legal_basis or BLANK,
        "days": config.storage.retention_days, "hold": access.max_hold_days,
        "count": len(enabled), "lpr": sum(1 for c in enabled if c.lpr and config.lpr.enabled),
        "case_rule": t["case_rule_on"] if access.require_case else t["case_rule_off"],
        "path": config.storage.path, "listen": config.web.listen,
        "duty_start": f"{rules.duty_start:%H:%M}", "duty_end": f"{rules.duty_end:%H:%M}",
        "per_case": rules.searches_per_case, "repeat": rules.repeat_plate_cases, "warn": rules.hold_warn_days,
        "shared": _shared(config, t),
    }


def _shared(config: Config, t: dict[str, str]) -> str:
    """The sentence on the shared index ([index] url), naming its host only (the address may hold a
    password); "" for an appliance standing alone."""
    return t["shared_text"].format(hub=urlsplit(config.index.url).hostname) if config.index.url else ""


def settings_rows(config: Config) -> list[str]:
    """`key = value` of every key the pack rests on, as a table."""
    rows = ["| key | value |", "|---|---|"]
    for section in SECTIONS:
        model: BaseModel = getattr(config, section)
        rows += [f"| `{section}.{key}` | `{_value(getattr(model, key))}` |"
                 for key in type(model).model_fields]
    rows += [f"| `web.{key}` | `{_value(getattr(config.web, key))}` |" for key in WEB_KEYS]
    for camera in config.cameras:
        rows += [f"| `cameras[{camera.name}].{key}` | `{_value(getattr(camera, key))}` |"
                 for key in CAMERA_KEYS if key != "name"]
    return rows


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text.replace("|", "\\|").replace("`", "'")
