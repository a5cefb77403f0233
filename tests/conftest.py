"""Fixtures every test layer shares: an isolated data directory, the real model, the demo study."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from symphonia.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
DEMO_STUDY = ROOT / "rounds" / "connected-icb"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ONNX export of the default model per test session, outside the user's cache."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path
) -> Iterator[Path]:
    """Nothing a test does lands in the developer's own `.symphonia/`, database or model
    cache (numba's compile cache, keyed by library versions, is shared by design)."""
    data = tmp_path / "symphonia-data"
    monkeypatch.setenv("SYMPHONIA_DATA_DIR", str(data))
    monkeypatch.setenv("SYMPHONIA_MODEL_CACHE", str(model_cache))
    monkeypatch.delenv("SYMPHONIA_EMBEDDING_BACKEND", raising=False)
    monkeypatch.delenv("SYMPHONIA_EMBEDDING_INT8_ABOVE", raising=False)
    monkeypatch.delenv("SYMPHONIA_DATABASE_URL", raising=False)
    for name in ("SYMPHONIA_LLM_BASE_URL", "SYMPHONIA_LLM_MODEL", "SYMPHONIA_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path):  # type: ignore[no-untyped-def]
    """The default offline model on the default backend, loaded once per test session."""
    from symphonia.pipeline.embed_onnx import make_embedder

    return make_embedder(model_cache=model_cache)


@pytest.fixture(scope="session")
def demo_study_dir() -> Path:
    return DEMO_STUDY


POLIS_MINI = ROOT / "tests" / "fixtures" / "polis-mini"


@pytest.fixture
def polis_mini(tmp_path: Path) -> Path:
    """The synthetic Polis fixture laid out as a real export under `polis-mini/`."""
    target = tmp_path / "polis-mini"
    target.mkdir()
    for source in POLIS_MINI.glob("*.fixture.csv"):
        (target / source.name.replace(".fixture.csv", ".csv")).write_bytes(source.read_bytes())
    return target
