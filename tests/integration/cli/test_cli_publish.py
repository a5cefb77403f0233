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
    assert "; not published: a draft for the editors." in draft.read_text()
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


def test_export_all_writes_every_format_with_the_bytes_of_its_own_export(
    closed_round: Invoke, tmp_path: Path
) -> None:
    cli = closed_round
    assert cli("synthesize", STUDY, "1", "-q").code == 0
    refused(cli("export", STUDY, "1", "--format", "all"), "--format all writes several files")
    folder = tmp_path / "every"
    outcome = cli("export", STUDY, "1", "--format", "all", "--out", folder)
    assert outcome.code == 0, outcome.err
    stem = f"{STUDY}-round-1-v1"
    suffixes = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "md": ".md", "json": ".json"}
    suffixes |= {"csv": ".zip", "prov": ".prov.json"}
    assert sorted(p.name for p in folder.iterdir()) == sorted(stem + s for s in suffixes.values())
    for fmt in ("html", "pdf", "docx", "md"):
        alone = tmp_path / f"alone{suffixes[fmt]}"
        assert cli("export", STUDY, "1", "--format", fmt, "--out", alone).code == 0
        assert (folder / f"{stem}{suffixes[fmt]}").read_bytes() == alone.read_bytes(), fmt
