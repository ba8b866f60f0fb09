"""Fixtures shared by the whole suite: where ../shared and the models are, and a fresh data folder.

Tests that need ../shared skip with a reason when it is absent on a developer's machine, but fail in CI
(CI=true), where it must be present.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from webapp import WebSite, make_segment_file

REPO = Path(__file__).resolve().parent.parent

# The real RTSP server and test clips (tests/rtsp.py); the aiming aid's clips (tests/aim_fixtures.py);
# a real PostgreSQL server (tests/postgres.py) and the search tests' two backends (tests/plate_backends.py).
pytest_plugins = ["rtsp", "aim_fixtures", "postgres", "plate_backends"]


def _require(path: Path, what: str) -> Path:
    if path.exists():
        return path
    message = f"{what} not found at {path} (set DOZOR_SHARED_DIR / DOZOR_MODEL_DIR)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI must provide it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder (models, plate photos), located by DOZOR_SHARED_DIR or beside the repo."""
    return _require(Path(os.environ.get("DOZOR_SHARED_DIR") or REPO.parent / "shared"), "../shared")


@pytest.fixture(scope="session")
def plates_dir(shared_dir: Path) -> Path:
    return _require(shared_dir / "plates", "plate photos")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The ONNX models, found through DOZOR_MODEL_DIR (set by the Makefile) or ../shared/models."""
    configured = os.environ.get("DOZOR_MODEL_DIR")
    if configured:
        return _require(Path(configured), "model folder")
    return _require(
        Path(os.environ.get("DOZOR_SHARED_DIR") or REPO.parent / "shared") / "models", "model folder"
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def web(data_dir: Path) -> WebSite:
    """The web UI on the test's data folder, with one account per role (tests/webapp.PASSWORDS):
    `web.client("police", clock=clock)` is a signed-in test client of a new app."""
    return WebSite(data_dir)


@pytest.fixture(scope="session")
def segment_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[float], Path]:
    """`segment_file(seconds)`: a segment file like the recorder's, encoded once per length per run."""
    folder = tmp_path_factory.mktemp("segment-files")
    made: dict[float, Path] = {}

    def make(seconds: float = 10) -> Path:
        if seconds not in made:
            made[seconds] = make_segment_file(folder / f"segment-{seconds:g}s.mp4", seconds)
        return made[seconds]

    return make
