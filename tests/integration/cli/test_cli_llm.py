"""`--drafter llm` end to end through the CLI, against the OpenAI-compatible fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.integration.cli.conftest import Invoke

pytestmark = pytest.mark.model


def test_analyze_with_the_llm_drafter_records_how_the_draft_was_made(
    cli: Invoke, endpoint: FakeOpenAIServer, demo_study_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "llm.json"
    fragments = demo_study_dir / "round1-fragments.jsonl"
    outcome = cli("analyze", fragments, "--drafter", "llm", "--out", out, "-q")
    assert outcome.code == 0, outcome.err
    result = json.loads(out.read_text())
    meta = result["synthesis"]["meta"]
    assert result["synthesis"]["drafter"] == "llm"
    assert meta["model"] == "fake-model-1"
    assert set(meta["prompts"]) >= {"theme_system.j2", "theme_user.j2"}
    assert endpoint.calls <= len(result["themes"]) + 1
    assert meta["usage"]["calls"] == len(meta["packing"]["calls"]) + 1
    assert sorted(t for call in meta["packing"]["calls"] for t in call) == sorted(
        t["id"] for t in result["themes"]
    )
    assert any(s["origin"] == "llm" for s in result["synthesis"]["statements"])
    # pseudonyms never leave the building
    bodies = "\n".join(endpoint.raw_bodies)
    assert "E01" not in bodies
    assert "E15" not in bodies


def test_synthesize_with_the_llm_drafter_and_export_says_so(
    cli: Invoke, endpoint: FakeOpenAIServer, demo_study_dir: Path, tmp_path: Path
) -> None:
    for step in [
        ("db", "upgrade"),
        ("study", "load", demo_study_dir),
        ("round", "open", "connected-icb", "1"),
        ("fragments", "import", "connected-icb", "1", demo_study_dir / "round1-fragments.jsonl"),
        ("round", "close", "connected-icb", "1"),
        ("synthesize", "connected-icb", "1", "--drafter", "llm", "-q"),
        ("export", "connected-icb", "1", "--out", tmp_path / "r.md"),
        ("export", "connected-icb", "1", "--format", "json", "--out", tmp_path / "r.json"),
    ]:
        outcome = cli(*step)
        assert outcome.code == 0, (step, outcome.err)
    report = (tmp_path / "r.md").read_text()
    assert "Language model: fake-model-1" in report
    assert "Prompt theme_system.j2: sha256 " in report
    # the model cited per-call numbers; the stored draft cites the real fragments behind them
    document = json.loads((tmp_path / "r.json").read_text())
    members = {t["id"]: set(t["fragment_ids"]) for t in document["themes"]}
    llm = [s for s in document["statements"] if s["origin"] == "llm"]
    assert llm
    for st in llm:
        assert st["citations"], st
        assert set(st["citations"]) <= members[st["theme_id"]], st
        # the fake server quotes the first fragment it cites
        assert st["text"].endswith(document["evidence"][st["citations"][0]]["text"]), st
