"""The prioritisation demo from the command line: the ranked list in the exported report
(Markdown with its figures, and JSON), and a bad score file refused at its lines."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.cli.conftest import Invoke, copy_study, refused

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "rounds" / "connected-icb-priorities"
SLUG = "connected-icb-priorities"


def test_the_demo_ranks_the_use_cases_and_exports_them(cli: Invoke, tmp_path: Path) -> None:
    outcome = cli("demo", "--study-dir", DEMO, "--out", tmp_path / "reports")
    assert outcome.code == 0, outcome.err
    assert "round 2: top 5: oral-health, care-leavers, asthma-absence" in outcome.out
    folder = tmp_path / "reports" / SLUG
    assert sorted(p.name for p in folder.iterdir()) == [
        "round-1-groups.svg", "round-1-scores.svg", "round-1.json", "round-1.md",
        "round-2-groups.svg", "round-2-scores.svg", "round-2.json", "round-2.md",
    ]  # fmt: skip
    markdown = (folder / "round-2.md").read_text()
    assert "> **Synthetic example data.**" in markdown
    assert "| 1 | Oral health and school absence (`oral-health`) | 76.1 |" in markdown
    assert "](round-2-scores.svg)" in markdown
    assert "](round-2-groups.svg)" in markdown
    assert "### Where the groups differ most" in markdown
    assert (
        "- **Modelling which children are likely to receive an EHCP**: ranked 2 by ICB "
        "commissioners and Local-authority analysts and 12 by Parent representatives"
    ) in markdown
    assert "## What the panel could not judge" in markdown
    assert "## Change since round 1" in markdown

    document = json.loads((folder / "round-2.json").read_text())
    priorities = document["priorities"]
    assert [p["item"] for p in priorities[:3]] == ["oral-health", "care-leavers", "asthma-absence"]
    assert [p["rank"] for p in priorities] == list(range(1, 13))
    for p in priorities:
        assert p["interval"]["low"] <= p["score"] <= p["interval"]["high"]
        assert set(p["group_ranks"]) == {
            "clinician", "icb_commissioner", "ig_lead", "la_analyst", "parent_rep",
            "researcher", "school_leader",
        }  # fmt: skip
    model = next(p for p in priorities if p["item"] == "ehcp-model")
    assert (model["rank"], model["schulze_rank"]) == (11, 5)
    assert model["group_ranks"]["parent_rep"] == 12
    assert model["group_ranks"]["la_analyst"] == 2

    again = cli("export", SLUG, "2", "--format", "json")
    assert again.code == 0, again.err
    assert json.loads(again.out) == document  # seeded: the same numbers every time
    svg = cli("export", SLUG, "1", "--format", "md", "--out", tmp_path / "r1.md")
    assert svg.code == 0, svg.err
    assert (tmp_path / "r1-scores.svg").read_text() == (folder / "round-1-scores.svg").read_text()


def test_a_bad_score_file_is_refused_at_its_lines(cli: Invoke, tmp_path: Path) -> None:
    study = copy_study(DEMO, tmp_path / "study")
    lines = (study / "round1-scores.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"score": 6', '"score": 16')
    lines[5] = lines[5].replace('"criterion": "', '"criterion": "x')
    (study / "round1-scores.jsonl").write_text("\n".join(lines) + "\n")
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", study).code == 0
    assert cli("round", "open", SLUG, "1").code == 0
    outcome = cli("priorities", "import", SLUG, "1", study / "round1-scores.jsonl")
    refused(
        outcome,
        "2 problem(s); nothing was imported",
        "round1-scores.jsonl:4: score of 'asthma-absence' on 'impact' by 'E01': score: 16 is "
        "outside criterion 'impact''s scale 1–9",
        "round1-scores.jsonl:6: score of 'camhs-waits' on 'xcost' by 'E01': criterion: unknown "
        "criterion 'xcost'",
    )
    fixed = cli("priorities", "import", SLUG, "1", DEMO / "round1-scores.jsonl")
    assert fixed.code == 0, fixed.err
    assert "imported 900 scores" in fixed.out
    early = cli("export", SLUG, "1")
    refused(early, "its ranking is reported once it has closed", f"round close {SLUG} 1")
