"""`--drafter llm` against a broken or unreachable endpoint: the console and the reports say
how much the model drafted; when it drafted nothing, the command fails and keeps nothing,
unless `--allow-fallback` asks for the extractive draft."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from symphonia.settings import get_settings
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.integration.cli.conftest import Invoke

pytestmark = pytest.mark.model
STUDY = "connected-icb"


def html_page(server: FakeOpenAIServer, body: dict[str, object]) -> Reply:
    return Reply(raw_body="<!doctype html><title>Proxy login</title>")


@pytest.fixture(autouse=True)
def one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """No retries: a failing endpoint fails at once."""
    monkeypatch.setenv("SYMPHONIA_LLM_MAX_RETRIES", "0")
    get_settings.cache_clear()


def versions(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "symphonia.db") as db:
        return int(db.execute("SELECT count(*) FROM synthesis_version").fetchone()[0])


def test_a_server_that_fails_every_call_stores_nothing(
    closed_round: Invoke, endpoint: FakeOpenAIServer, isolated_settings: Path
) -> None:
    endpoint.behaviour = "server_error"
    outcome = closed_round("synthesize", STUDY, "1", "--drafter", "llm", "-q")
    assert outcome.code == 2, outcome.out
    assert "the language model drafted none of the" in outcome.err
    assert "server error (HTTP 500)" in outcome.err
    assert "No synthesis version was stored" in outcome.err
    assert "--allow-fallback" in outcome.err
    assert versions(isolated_settings) == 0


def test_allow_fallback_keeps_the_extractive_draft_and_every_report_says_so(
    closed_round: Invoke, endpoint: FakeOpenAIServer, isolated_settings: Path, tmp_path: Path
) -> None:
    endpoint.behaviour = html_page
    outcome = closed_round("synthesize", STUDY, "1", "--drafter", "llm", "-q", "--allow-fallback")
    assert outcome.code == 0, outcome.err
    assert "warning: the language model drafted 0 of" in outcome.err
    assert "fell back to the extractive draft" in outcome.err
    assert "HTTP 200 with a body that is not JSON" in outcome.err
    assert versions(isolated_settings) == 1
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    assert closed_round("export", STUDY, "1", "--out", md).code == 0
    assert closed_round("export", STUDY, "1", "-f", "json", "--out", js).code == 0
    report = md.read_text()
    assert "> **Drafting fell back to the extractive draft.** In this version the language " in (
        report
    )
    drafting = json.loads(js.read_text())["version"]["drafter"]["drafting"]
    assert drafting["by_model"] == 0
    assert drafting["fallen_back"] > 0
    assert drafting["themes_fallen_back"] == drafting["themes"] > 0


def test_analyze_against_an_unreachable_endpoint_writes_nothing(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, demo_study_dir: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("SYMPHONIA_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # discard: refused
    monkeypatch.setenv("SYMPHONIA_LLM_MODEL", "m")
    monkeypatch.setenv("SYMPHONIA_LLM_MAX_RETRIES", "0")
    get_settings.cache_clear()
    out = tmp_path / "r.json"
    fragments = demo_study_dir / "round1-fragments.jsonl"
    outcome = cli("analyze", fragments, "--drafter", "llm", "--out", out, "-q")
    assert outcome.code == 2
    assert "connection failed" in outcome.err
    assert f"{out} was not written" in outcome.err
    assert not out.exists()
    allowed = cli("analyze", fragments, "--drafter", "llm", "--out", out, "-q", "--allow-fallback")
    assert allowed.code == 0, allowed.err
    meta = json.loads(out.read_text())["synthesis"]["meta"]
    assert meta["drafting"]["by_model"] == 0


def test_a_working_endpoint_says_what_the_model_drafted(
    closed_round: Invoke, endpoint: FakeOpenAIServer, tmp_path: Path
) -> None:
    outcome = closed_round("synthesize", STUDY, "1", "--drafter", "llm", "-q")
    assert outcome.code == 0, outcome.err
    assert "drafting: the language model drafted " in outcome.out
    assert "warning" not in outcome.err
    md = tmp_path / "r.md"
    assert closed_round("export", STUDY, "1", "--out", md).code == 0
    assert "\nDrafting: the language model drafted " in md.read_text()
