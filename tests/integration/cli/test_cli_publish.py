"""`symphonia publish`: the command that makes a stored version the round's public record."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli.conftest import Invoke, refused

pytestmark = pytest.mark.model
STUDY = "connected-icb"


def test_publish_a_version_once_and_the_report_says_so(
    closed_round: Invoke, tmp_path: Path
) -> None:
    cli = closed_round
    assert cli("synthesize", STUDY, "1", "-q").code == 0
    draft = tmp_path / "draft.md"
    assert cli("export", STUDY, "1", "--out", draft).code == 0
    assert "; not published (a draft for the editors)." in draft.read_text()
    refused(
        cli("publish", STUDY, "1", "--version", "9"), "round 1 of 'connected-icb' has no version 9"
    )
    published = cli("publish", STUDY, "1")
    assert published.code == 0, published.err
    assert published.out.startswith("published version 1 of round 1 of 'connected-icb' (")
    refused(cli("publish", STUDY, "1"), "version 1 of round 1 of 'connected-icb' was published on")
    final = tmp_path / "final.md"
    assert cli("export", STUDY, "1", "--out", final).code == 0
    assert "; published 20" in final.read_text()
    listed = cli("study", "list")
    assert "1:contribute/published" in listed.out
