"""Run the real `symphonia` command tree in-process, on an isolated SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from symphonia.cli import app
from symphonia.settings import get_settings
from tests.fakes.openai_server import FakeOpenAIServer


@dataclass
class Outcome:
    code: int
    out: str
    err: str


Invoke = Callable[..., Outcome]


@pytest.fixture
def cli() -> Invoke:
    runner = CliRunner()

    def invoke(*args: str) -> Outcome:
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


def refused(outcome: Outcome, *expected: str) -> None:
    """A clean refusal: exit 2, no traceback, and each `expected` text on stderr."""
    assert outcome.code == 2, (outcome.out, outcome.err)
    assert "Traceback" not in outcome.out + outcome.err
    for text in expected:
        assert text in outcome.err, outcome.err


def copy_study(source: Path, target: Path) -> Path:
    """A copy of a study folder, to edit without touching the original."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    return target


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    """The OpenAI-compatible fake server, answering well, configured as the LLM endpoint."""
    with FakeOpenAIServer("good") as server:
        monkeypatch.setenv("SYMPHONIA_LLM_BASE_URL", server.url)
        monkeypatch.setenv("SYMPHONIA_LLM_MODEL", "fake-model-1")
        monkeypatch.setenv("SYMPHONIA_LLM_API_KEY", "test-key")
        get_settings.cache_clear()
        yield server


def steps(cli: Invoke, *commands: tuple[object, ...]) -> None:
    """Run each command; every one must succeed."""
    for command in commands:
        outcome = cli(*command)
        assert outcome.code == 0, (command, outcome.out, outcome.err)


def round_one_steps(study_dir: Path, study: str = "connected-icb") -> list[tuple[object, ...]]:
    """Load `study_dir`, then open, fill and close its round 1: a round ready to synthesize."""
    return [
        ("db", "upgrade"),
        ("study", "load", study_dir),
        ("round", "open", study, "1"),
        ("fragments", "import", study, "1", study_dir / "round1-fragments.jsonl"),
        ("round", "close", study, "1"),
    ]


@pytest.fixture
def closed_round(cli: Invoke, demo_study_dir: Path) -> Invoke:
    """The demo study loaded, round 1 filled and closed."""
    steps(cli, *round_one_steps(demo_study_dir))
    return cli
