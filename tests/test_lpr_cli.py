"""`dozor lpr` on real photos with the real models, and the one clear error when models are missing."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from dozor.cli import main

pytestmark = pytest.mark.shared


def _config(tmp_path, model_dir):
    path = tmp_path / "dozor.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "data"}"\n[lpr]\nmodel_dir = "{model_dir}"\n')
    return path


@pytest.fixture
def photos(plates_dir):
    rows = list(csv.DictReader((plates_dir / "labels.csv").open()))
    ua = [r for r in rows if r["region"] == "ua"][:3]
    eu = [r for r in rows if r["region"] == "eu"][:3]
    return [(plates_dir / r["file"], r["plate"]) for r in ua + eu]


@pytest.mark.slow
def test_lpr_reads_plates_on_real_photos_as_json(tmp_path, model_dir, photos, monkeypatch):
    monkeypatch.delenv("DOZOR_MODEL_DIR", raising=False)
    config = _config(tmp_path, model_dir)
    args = ["lpr", *[str(p) for p, _ in photos], "--config", str(config), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["image"] for line in lines] == [str(p) for p, _ in photos]
    pairs = zip(lines, photos, strict=True)
    read = sum(any(p["plate"] == truth for p in line["plates"]) for line, (_, truth) in pairs)
    assert read >= 5, lines  # the README's 88.9 % exact on stills: at most one of six missed
    first = next(p for line in lines for p in line["plates"])
    assert set(first) >= {"plate", "confidence", "box"} and len(first["box"]) == 4
    assert 0 < first["confidence"] <= 1


def test_missing_models_give_one_clear_error_naming_the_path_and_fix(tmp_path, photos, monkeypatch):
    monkeypatch.delenv("DOZOR_MODEL_DIR", raising=False)
    empty = tmp_path / "no-models"
    empty.mkdir()
    result = CliRunner().invoke(main, ["lpr", str(photos[0][0]), "--config", str(_config(tmp_path, empty))])
    assert result.exit_code == 1
    assert f"no plate detector (yolo-v9-t-*-license-plate-end2end.onnx) in {empty}" in result.output
    assert "lpr.model_dir" in result.output and "Traceback" not in result.output


def test_missing_ocr_file_is_named(tmp_path, model_dir, photos, monkeypatch):
    monkeypatch.delenv("DOZOR_MODEL_DIR", raising=False)
    partial = tmp_path / "partial"
    partial.mkdir()
    detector = next(model_dir.glob("yolo-v9-t-*-license-plate-end2end.onnx"))
    (partial / detector.name).symlink_to(detector)
    result = CliRunner().invoke(main, ["lpr", str(photos[0][0]), "--config", str(_config(tmp_path, partial))])
    assert result.exit_code == 1
    assert f"{partial / 'cct_xs_v2_global.onnx'} is missing" in result.output


def test_env_model_dir_overrides_the_config(tmp_path, model_dir, photos, monkeypatch):
    monkeypatch.setenv("DOZOR_MODEL_DIR", str(tmp_path / "nowhere"))
    config = _config(tmp_path, model_dir)
    result = CliRunner().invoke(main, ["lpr", str(photos[0][0]), "--config", str(config)])
    assert result.exit_code == 1 and str(tmp_path / "nowhere") in result.output
