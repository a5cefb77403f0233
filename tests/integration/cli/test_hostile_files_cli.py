"""Hostile files at the command line: each is refused with file, line and reason and exit 2,
never a traceback or a hang, and nothing is written (issue 8, part 2)."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.integration.cli.conftest import Invoke, copy_study, refused, round_one_steps, steps

STUDY = "connected-icb"


def rows(data_dir: Path, table: str) -> int:
    with sqlite3.connect(data_dir / "symphonia.db") as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.fixture
def round1(cli: Invoke, demo_study_dir: Path) -> Invoke:
    for step in (("db", "upgrade"), ("study", "load", demo_study_dir)):
        assert cli(*step).code == 0
    assert cli("round", "open", STUDY, "1").code == 0
    return cli


# -- CSV an unclosed quote would swallow --------------------------------------------------


def test_an_unclosed_quote_refuses_the_import_whole(
    round1: Invoke, tmp_path: Path, isolated_settings: Path
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "id,author,kind,text\n"
        "f1,E01,claim,First.\n"
        'f2,E02,claim,"Second, with a quote never closed\n'
        "f3,E03,claim,Third.\n"
        "f4,E04,claim,Fourth.\n"
    )
    refused(round1("fragments", "import", STUDY, "1", path), f"{path}:3: (csv):", "never closed")
    assert rows(isolated_settings, "fragment") == 0


def test_an_unclosed_quote_in_a_polis_export_creates_no_study(
    cli: Invoke, polis_mini: Path, isolated_settings: Path
) -> None:
    assert cli("db", "upgrade").code == 0
    votes = polis_mini / "votes.csv"
    votes.write_text(votes.read_text() + '21,"2,1,1700003000000,x\n22,1,1,1700004000000,x\n')
    outcome = cli("import-polis", polis_mini)
    refused(outcome, f"{votes}:", "never closed")
    assert rows(isolated_settings, "study") == 0


def test_thousands_of_digits_are_a_clear_refusal(round1: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(f"id,author,kind,text,confidence\nf1,E01,claim,Text.,{'7' * 5000}\n")
    outcome = round1("fragments", "import", STUDY, "1", path)
    refused(outcome, f"{path}:2: confidence: must be a whole number from 1 to 5", "5000 digits")
    assert len(outcome.err) < 500


# -- not a regular file --------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_dev_zero_and_fifos_are_refused_at_once(
    round1: Invoke, tmp_path: Path, demo_study_dir: Path
) -> None:
    zero = tmp_path / "zero.jsonl"
    zero.symlink_to("/dev/zero")
    refused(round1("fragments", "import", STUDY, "1", zero), "character device")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(round1("fragments", "import", STUDY, "1", fifo), "FIFO (named pipe)")
    refused(round1("analyze", fifo, "--out", tmp_path / "o.json", "-q"), "FIFO")
    study = copy_study(demo_study_dir, tmp_path / "study")
    (study / "study.toml").unlink()
    (study / "study.toml").symlink_to("/dev/zero")
    refused(round1("study", "load", study), "character device, not a regular file")


def test_round_files_linking_outside_the_study_folder_are_refused(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path
) -> None:
    secret = tmp_path / "secret.jsonl"
    secret.write_text('{"id": "s", "author": "E01", "kind": "claim", "text": "private"}\n')
    study = copy_study(demo_study_dir, tmp_path / "study")
    (study / "round1-fragments.jsonl").unlink()
    (study / "round1-fragments.jsonl").symlink_to(secret)
    assert cli("db", "upgrade").code == 0
    outcome = cli("study", "load", study)
    refused(outcome, "rounds[0].fragments", "outside the study directory")
    outcome = cli("demo", "--study-dir", study, "--out", tmp_path / "reports")
    refused(outcome, "outside the study directory")
    assert not (tmp_path / "reports").exists()


# -- study.toml ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["[" * 500 + "]" * 500, "{a=" * 500 + "1" + "}" * 500, "9" * 5000],
    ids=["arrays", "tables", "digits"],
)
def test_study_files_nested_or_numbered_absurdly(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path, value: str
) -> None:
    study = copy_study(demo_study_dir, tmp_path / "study")
    toml = study / "study.toml"
    toml.write_text(toml.read_text() + f"\n[extra]\nx = {value}\n")
    refused(cli("study", "load", study), f"{toml}: (toml): not usable as TOML")


def test_study_files_nested_past_the_cap_but_parseable(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path
) -> None:
    study = copy_study(demo_study_dir, tmp_path / "study")
    toml = study / "study.toml"
    toml.write_text(toml.read_text() + "\n[extra]\nx = " + "[" * 50 + "]" * 50 + "\n")
    refused(cli("study", "load", study), "nested more than 8 levels deep")


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("agreement_threshold = nan", "protocol.agreement_threshold: must be a finite number"),
        ("max_iqr = inf", "protocol.max_iqr: must be a finite number"),
        ("max_iqr = nan", "protocol.max_iqr: must be a finite number"),
        ("min_group_agreement = -inf", "protocol.min_group_agreement: must be a finite"),
    ],
)
def test_protocol_numbers_must_be_finite(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path, setting: str, field: str
) -> None:
    study = copy_study(demo_study_dir, tmp_path / "study")
    toml = study / "study.toml"
    key = setting.split(" = ")[0]
    lines = [ln for ln in toml.read_text().splitlines() if not ln.startswith(f"{key} =")]
    at = lines.index("[protocol]") + 1
    toml.write_text("\n".join([*lines[:at], setting, *lines[at:]]) + "\n")
    refused(cli("study", "load", study), f"{toml}: {field}")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "max_rounds = 3",
            f"max_rounds = {2**63}",
            "protocol.stopping.max_rounds: must be at most 50",
        ),
        ("max = 9", "max = 100000", "protocol.scale.max: must be between -1000 and 1000"),
        ("max = 9", "max = 200", "protocol.scale: has 200 points; the most is 101"),
    ],
)
def test_stopping_numbers_and_scales_are_bounded(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path, old: str, new: str, expected: str
) -> None:
    study = copy_study(demo_study_dir, tmp_path / "study")
    toml = study / "study.toml"
    toml.write_text(toml.read_text().replace(old, new))
    refused(cli("study", "load", study), expected)


def test_an_over_long_title_is_refused_by_field(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path, isolated_settings: Path
) -> None:
    study = copy_study(demo_study_dir, tmp_path / "study")
    toml = study / "study.toml"
    lines = toml.read_text().splitlines()
    lines = [f'title = "{"T" * 301}"' if ln.startswith("title =") else ln for ln in lines]
    toml.write_text("\n".join(lines) + "\n")
    assert cli("db", "upgrade").code == 0
    refused(
        cli("study", "load", study),
        "study.title: is 301 characters long; the limit is 300",
    )
    assert rows(isolated_settings, "study") == 0


# -- what the console prints is the user's text, not markup ---------------------------------


def test_rich_markup_in_titles_and_paths_is_printed_as_written(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path
) -> None:
    study = copy_study(demo_study_dir, tmp_path / "st[/]udy")
    toml = study / "study.toml"
    lines = toml.read_text().splitlines()
    lines = [
        'title = "Priorities [/] [bold]x[/bold]"' if ln.startswith("title =") else ln
        for ln in lines
    ]
    toml.write_text("\n".join(lines) + "\n")
    steps(cli, *round_one_steps(study), ("synthesize", STUDY, "1", "-q"))
    listed = cli("study", "list")
    assert listed.code == 0, listed.err
    assert "Priorities [/] [bold]x[/bold]" in listed.out
    out = tmp_path / "rep[/]orts" / "[red]r.md"
    exported = cli("export", STUDY, "1", "--out", out)
    assert exported.code == 0, exported.err
    assert f"wrote {out}" in exported.out
    assert out.read_text().startswith("# Priorities")
    missing = cli("fragments", "import", STUDY, "1", tmp_path / "[/]nope.jsonl")
    refused(missing, "[/]nope.jsonl")


# -- files written are replaced whole or not at all ----------------------------------------


def test_a_failed_export_leaves_the_previous_report_whole(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps(cli, *round_one_steps(demo_study_dir), ("synthesize", STUDY, "1", "-q"))
    report = tmp_path / "report.json"
    assert cli("export", STUDY, "1", "-f", "json", "--out", report).code == 0
    good = report.read_text()
    fragments = tmp_path / "f.jsonl"
    fragments.write_text((demo_study_dir / "round1-fragments.jsonl").read_text())
    result = tmp_path / "result.json"
    assert cli("analyze", fragments, "--out", result, "-q").code == 0
    analysed = result.read_text()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    refused(cli("export", STUDY, "1", "-f", "md", "--out", report), "No space left on device")
    refused(cli("analyze", fragments, "--out", result, "-q"), "No space left on device")
    assert report.read_text() == good
    assert json.loads(result.read_text()) == json.loads(analysed)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
