"""From the command line, rounds open in order and an open round is not synthesized."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli.conftest import Invoke


@pytest.fixture
def loaded(cli: Invoke, demo_study_dir: Path) -> Invoke:
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", demo_study_dir).code == 0
    return cli


def listed(cli: Invoke) -> set[str]:
    """The round:kind/status cells `symphonia study list` shows (its table may wrap them)."""
    out = cli("study", "list").out
    return {word.strip(",") for word in out.split() if word[:1].isdigit() and "/" in word}


def test_a_round_cannot_jump_the_queue(loaded: Invoke) -> None:
    refused = loaded("round", "open", "connected-icb", "3")
    assert refused.code == 2
    assert refused.err.strip() == (
        "error: round 3 of 'connected-icb' cannot open before round 1 is closed "
        "(round 1 is still draft); rounds run in order: open and close round 1 first"
    )
    assert "Traceback" not in refused.err + refused.out
    assert listed(loaded) >= {"1:contribute/draft", "2:rate/draft", "3:rate/draft"}
    for step in (("open", "1"), ("close", "1")):
        assert loaded("round", step[0], "connected-icb", step[1]).code == 0
    skipped = loaded("round", "open", "connected-icb", "3")
    assert skipped.code == 2
    assert "cannot open before round 2 is closed (round 2 is still draft)" in skipped.err
    assert loaded("round", "open", "connected-icb", "2").code == 0
    assert listed(loaded) >= {"1:contribute/closed", "2:rate/open", "3:rate/draft"}


def test_synthesize_refuses_an_open_round(loaded: Invoke, demo_study_dir: Path) -> None:
    fragments = demo_study_dir / "round1-fragments.jsonl"
    assert loaded("round", "open", "connected-icb", "1").code == 0
    assert loaded("fragments", "import", "connected-icb", "1", fragments).code == 0
    refused = loaded("synthesize", "connected-icb", "1", "-q")
    assert refused.code == 2
    assert len(refused.err.strip().splitlines()) == 1
    assert "round 1 of 'connected-icb' is still open" in refused.err
    assert "`symphonia round close connected-icb 1`" in refused.err
    assert "stored as synthesis version" not in refused.out
    exported = loaded("export", "connected-icb", "1")
    assert exported.code == 2
    assert "has no synthesis yet" in exported.err
    assert "1:contribute/open" in listed(loaded)
