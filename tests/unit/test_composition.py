"""The composition root: one embedder per container, made once even when asked for at once;
drafters by name; the engine belongs to the container that made it."""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from symphonia.composition import Container
from symphonia.pipeline.llm import LLMNotConfigured
from symphonia.services.errors import ServiceError
from symphonia.settings import load_settings
from tests.unit.pipeline.conftest import CountingEmbedder


def test_the_embedder_is_made_once_however_many_threads_ask() -> None:
    made: list[CountingEmbedder] = []
    lock = threading.Lock()

    def slow_factory() -> CountingEmbedder:
        time.sleep(0.05)  # long enough for every thread to arrive while it loads
        with lock:
            made.append(CountingEmbedder())
        return made[-1]

    container = Container(load_settings(), embedder_factory=slow_factory)
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(lambda _: container.embedder(), range(8)))
    assert len(made) == 1
    assert all(e is made[0] for e in seen)


def test_drafters_are_made_by_name_once_and_unknown_ones_refused() -> None:
    container = Container(load_settings())
    extractive = container.drafter("extractive")
    assert extractive.name == "extractive"
    assert container.drafter("extractive") is extractive
    with pytest.raises(ServiceError, match="unknown drafter 'oracle'; expected one of"):
        container.drafter("oracle")
    with pytest.raises(LLMNotConfigured):
        container.drafter("llm")


async def test_the_container_opens_sessions_and_disposes_of_its_engine(tmp_path: Path) -> None:
    from sqlalchemy import text

    settings = dataclasses.replace(
        load_settings(), database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    )
    async with Container(settings) as container:
        async with container.session() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        assert await container.schema_revision() is None  # never migrated
    assert container.sign_in_url("abc") == "http://127.0.0.1:8000/sign-in/abc"
