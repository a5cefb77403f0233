"""A whole round from the command line, and the stateless `analyze`, with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symphonia.interchange import read_fragments
from tests.integration.cli.conftest import Invoke

pytestmark = pytest.mark.model


def test_a_delphi_round_from_the_command_line(
    cli: Invoke, demo_study_dir: Path, tmp_path: Path
) -> None:
    steps = [
        ("db", "upgrade"),
        ("study", "load", demo_study_dir),
        ("round", "open", "connected-icb", "1"),
        ("fragments", "import", "connected-icb", "1", demo_study_dir / "round1-fragments.jsonl"),
        ("round", "close", "connected-icb", "1"),
        ("round", "open", "connected-icb", "2"),
        (
            "ratings",
            "import",
            "connected-icb",
            "2",
            demo_study_dir / "round2-ratings.jsonl",
            "--items",
            demo_study_dir / "round2-items.jsonl",
        ),
        ("round", "close", "connected-icb", "2"),
        ("synthesize", "connected-icb", "2", "-q"),
        ("export", "connected-icb", "2", "--format", "md", "--out", tmp_path / "r.md"),
        ("export", "connected-icb", "2", "--format", "json", "--out", tmp_path / "r.json"),
    ]
    for step in steps:
        outcome = cli(*step)
        assert outcome.code == 0, (step, outcome.err)
    markdown = (tmp_path / "r.md").read_text()
    assert "Synthetic example data" in markdown
    assert "## Consensus" in markdown
    assert "## Contested" in markdown
    assert "## Evidence" in markdown
    document = json.loads((tmp_path / "r.json").read_text())
    statements = [st for section in document["sections"] for st in section["statements"]]
    cited = {c for st in statements for c in st["citations"]}
    assert cited
    assert cited <= {e["id"] for e in document["evidence"]}
    listed = cli("study", "list")
    assert "2:rate/analysed" in listed.out


def test_stateless_analyze_accounts_for_every_fragment(
    cli: Invoke, demo_study_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "result.json"
    outcome = cli(
        "analyze",
        demo_study_dir / "round1-fragments.jsonl",
        "--ratings",
        demo_study_dir / "round2-ratings.jsonl",
        "--items",
        demo_study_dir / "round2-items.jsonl",
        "--scale",
        "9",
        "--out",
        out,
        "-q",
    )
    assert outcome.code == 0, outcome.err
    result = json.loads(out.read_text())
    ids = [f for t in result["themes"] for f in t["fragment_ids"]] + result["singular_views"]
    expected = [f.id for f in read_fragments(demo_study_dir / "round1-fragments.jsonl")]
    assert sorted(ids) == sorted(expected)
    assert len(ids) == len(set(ids))
    theme = result["themes"][0]
    assert {
        "id",
        "label",
        "keywords",
        "status",
        "fragment_ids",
        "representative_ids",
        "contributors",
        "stats",
    } <= set(theme)
    assert {"model", "params", "input_hash", "timings"} <= set(result["run"])
    assert all(s["citations"] for s in result["synthesis"]["statements"])


def test_import_polis_from_the_command_line(cli: Invoke, polis_mini: Path) -> None:
    assert cli("db", "upgrade").code == 0
    outcome = cli("import-polis", polis_mini)
    assert outcome.code == 0, outcome.err
    assert "study 'polis-polis-mini'" in outcome.out
    synthesized = cli("synthesize", "polis-polis-mini", "2", "-q")
    assert synthesized.code == 0, synthesized.err
