"""`symphonia panel links`: a fresh invitation link and API token per expert, as CSV, to
stdout or to a private file."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest

from symphonia.services.api_tokens import authenticate_token
from symphonia.services.tokens import redeem_sign_in_link
from tests.integration.cli.conftest import Invoke
from tests.integration.cli.test_people_cli import on_database


@pytest.fixture
def loaded(cli: Invoke, demo_study_dir: Path) -> Invoke:
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", demo_study_dir).code == 0
    return cli


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_panel_links_print_a_working_link_and_token_per_expert(loaded: Invoke) -> None:
    done = loaded("panel", "links", "connected-icb")
    assert done.code == 0, done.err
    assert done.out.splitlines()[0] == "pseudonym,email,group,link,token"
    rows = rows_of(done.out)
    assert [r["pseudonym"] for r in rows] == [f"E{n:02d}" for n in range(1, 16)]
    assert rows[0]["group"] == "clinician"
    assert "15 experts of 'connected-icb'" in done.err
    assert "shown only this once" in done.err
    link = rows[4]["link"]
    assert link.startswith("http://127.0.0.1:8000/sign-in/")
    by_link = on_database(lambda s: redeem_sign_in_link(s, link.rsplit("/", 1)[1]))
    by_token = on_database(lambda s: authenticate_token(s, rows[4]["token"]))
    assert by_link.actor.label == by_token.label == "participant:connected-icb/E05"
    again = rows_of(loaded("panel", "links", "connected-icb").out)
    assert {r["token"] for r in again}.isdisjoint(r["token"] for r in rows)
    still = on_database(lambda s: authenticate_token(s, rows[0]["token"]))
    assert still.label == "participant:connected-icb/E01"  # earlier tokens stay valid


def test_panel_links_to_a_file_are_private_and_replace_it_whole(
    loaded: Invoke, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "links.csv"
    out.write_text("old contents that must not survive\n")
    out.chmod(0o644)
    done = loaded("panel", "links", "connected-icb", "--out", out)
    assert done.code == 0, done.err
    assert done.out == ""
    assert f"written to {out}" in done.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(rows_of(out.read_text())) == 15
    assert [p.name for p in folder.iterdir()] == ["links.csv"]  # no temporary file left


def test_panel_links_of_an_unknown_study_fail_cleanly(loaded: Invoke, tmp_path: Path) -> None:
    done = loaded("panel", "links", "no-such-study", "--out", tmp_path / "x.csv")
    assert done.code == 2
    assert "unknown study 'no-such-study'" in done.err
    assert "Traceback" not in done.err
    assert not (tmp_path / "x.csv").exists()
