"""The command line itself: unusable settings, help text, `--quiet`, and idempotent loads."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import get_args

import pytest
import typer.main

from symphonia.cli import app
from symphonia.cli.analyze_cmd import DrafterName
from symphonia.pipeline.llm import DRAFTERS
from tests.integration.cli.conftest import Invoke
from tests.integration.cli.test_cli_errors import all_commands

GOOD = {"id": "x1", "author": "E01", "kind": "claim", "text": "A claim.", "confidence": 3}


def leaf_commands() -> set[str]:
    """Every runnable command, as typed after `symphonia`."""
    root = typer.main.get_command(app)
    found: set[str] = set()

    def walk(cmd: object, prefix: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if not subs:
            found.add(" ".join(prefix))
        for name, sub in (subs or {}).items():
            walk(sub, [*prefix, name])

    walk(root, [])
    return found


def audit_actions(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "symphonia.db") as db:
        return [r[0] for r in db.execute("SELECT action FROM audit_event ORDER BY at")]


# -- 1b. settings ----------------------------------------------------------------------------

BAD_SETTINGS = [
    ("SYMPHONIA_LLM_MAX_TOKENS", "abc", "a whole number of at least 1"),
    ("SYMPHONIA_LLM_MAX_TOKENS", "0", "a whole number of at least 1"),
    ("SYMPHONIA_LLM_PACK_TOKENS", "1.5", "a whole number of at least 0"),
    ("SYMPHONIA_LLM_CONCURRENCY", "x", "a whole number of at least 1"),
    ("SYMPHONIA_LLM_CONCURRENCY", "0", "a whole number of at least 1"),
    ("SYMPHONIA_LLM_MAX_RETRIES", "-1", "a whole number of at least 0"),
    ("SYMPHONIA_LLM_TIMEOUT", "soon", "a number of seconds greater than 0"),
    ("SYMPHONIA_LLM_TIMEOUT", "nan", "a number of seconds greater than 0"),
    ("SYMPHONIA_EMBEDDING_BACKEND", "gpu", "expected one of auto, onnx, torch"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD_SETTINGS, ids=str)
def test_unusable_settings_name_variable_value_and_expectation(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    outcome = cli("study", "list")
    assert outcome.code == 2
    assert f"{name}={value!r}" in outcome.err
    assert expected in outcome.err
    assert "Traceback" not in outcome.err + outcome.out


def every_command(demo: Path, polis: Path, tmp: Path) -> dict[str, list[object]]:
    frags = tmp / "f.jsonl"
    frags.write_text(json.dumps(GOOD) + "\n")
    ratings = tmp / "r.jsonl"
    ratings.write_text(json.dumps({"item": "x1", "rater": "E01", "score": 5}) + "\n")
    scores = tmp / "s.jsonl"
    scores.write_text(json.dumps({"item": "x", "criterion": "c", "rater": "E01", "score": 5}))
    items = tmp / "i.jsonl"
    items.write_text(json.dumps({"id": "x", "title": "X", "fragment_ids": ["f1"]}) + "\n")
    return {
        "analyze": ["analyze", frags, "--out", tmp / "out" / "r.json", "-q"],
        "import-polis": ["import-polis", polis],
        "synthesize": ["synthesize", "connected-icb", "1", "-q"],
        "export": ["export", "connected-icb", "1"],
        "publish": ["publish", "connected-icb", "1"],
        "demo": ["demo", "--study-dir", demo, "--out", tmp / "reports"],
        "db upgrade": ["db", "upgrade"],
        "db downgrade": ["db", "downgrade", "base"],
        "db current": ["db", "current"],
        "study load": ["study", "load", demo],
        "study list": ["study", "list"],
        "round open": ["round", "open", "connected-icb", "1"],
        "round close": ["round", "close", "connected-icb", "1"],
        "fragments import": ["fragments", "import", "connected-icb", "1", frags],
        "ratings import": ["ratings", "import", "connected-icb", "2", ratings],
        "priorities import": ["priorities", "import", "connected-icb", "2", scores],
        "priorities promote": ["priorities", "promote", "connected-icb", items],
        "priorities candidates": ["priorities", "candidates", "connected-icb"],
        "priorities items": ["priorities", "items", "connected-icb"],
        "analysis status": ["analysis", "status", "connected-icb", "1"],
        "worker": ["worker", "--once"],
        "account create": ["account", "create", "a@example.org", "--role", "facilitator"],
        "account list": ["account", "list"],
        "account grant": ["account", "grant", "a@example.org", "--study", "x", "--role", "editor"],
        "account revoke": ["account", "revoke", "a@example.org", "--study", "x"],
        "account password": ["account", "password", "a@example.org"],
        "demo-people": ["demo-people"],
        "panel links": ["panel", "links", "connected-icb", "--out", tmp / "links.csv"],
        "serve": ["serve", "--port", "58917"],
    }


def test_an_unusable_setting_is_refused_by_every_command(
    cli: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    demo_study_dir: Path,
    polis_mini: Path,
    tmp_path: Path,
) -> None:
    commands = every_command(demo_study_dir, polis_mini, tmp_path)
    assert leaf_commands() == set(commands)  # a new command must join this test
    monkeypatch.setenv("SYMPHONIA_LLM_CONCURRENCY", "x")
    for name, args in commands.items():
        outcome = cli(*map(str, args))
        assert outcome.code == 2, (name, outcome.out, outcome.err)
        assert "SYMPHONIA_LLM_CONCURRENCY='x'" in outcome.err, (name, outcome.err)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "reports").exists()


def test_the_drafter_choices_match_the_code_that_uses_them() -> None:
    assert get_args(DrafterName) == DRAFTERS


# -- 8a. help --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c) or "symphonia")
def test_help_shows_flags_as_flags_and_arguments_by_name(cli: Invoke, command: list[str]) -> None:
    text = cli(*command, "--help").out
    assert "<bool>" not in text
    usage = next(line for line in text.splitlines() if line.startswith("Usage:"))
    assert "{" not in usage, usage
    cut = [
        line
        for line in text.splitlines()
        if line.rstrip().endswith("...") and not line.startswith("Usage:")
    ]
    assert not cut, f"command summaries cut short: {cut}"


def test_help_lists_the_choices() -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    export = runner.invoke(app, ["export", "--help"]).stdout
    assert "<html|md|json|csv|docx|pdf|prov|all>" in export
    assert "Usage: symphonia export [OPTIONS] STUDY NUMBER" in export
    for command in ("synthesize", "analyze"):
        assert "<extractive|llm>" in runner.invoke(app, [command, "--help"]).stdout


def test_an_unknown_choice_is_a_usage_error(cli: Invoke) -> None:
    outcome = cli("export", "connected-icb", "1", "--format", "odt")
    assert outcome.code == 2
    assert "'odt' is not one of 'html', 'md', 'json', 'csv', 'docx', 'pdf', 'prov'" in outcome.err


def test_a_binary_format_is_never_printed_to_the_terminal(cli: Invoke) -> None:
    outcome = cli("export", "connected-icb", "1", "--format", "pdf")
    assert outcome.code == 2
    assert "a pdf export is a binary file: give --out PATH" in outcome.out + outcome.err


# -- 8b. quiet -------------------------------------------------------------------------------


@pytest.mark.model
def test_quiet_silences_the_model_libraries_progress_bars(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "0")  # restored after the test
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_BACKEND", "torch")  # loads weights every time
    frags = tmp_path / "f.jsonl"
    frags.write_text(json.dumps(GOOD) + "\n")
    outcome = cli("analyze", frags, "--out", tmp_path / "r.json", "-q")
    assert outcome.code == 0, outcome.err
    assert "Loading weights" not in outcome.err
    assert "%|" not in outcome.err


# -- 8c. loading an unchanged study ----------------------------------------------------------


def test_loading_an_unchanged_study_writes_nothing(
    cli: Invoke, demo_study_dir: Path, tmp_path: Path, isolated_settings: Path
) -> None:
    assert cli("db", "upgrade").code == 0
    assert "created" in cli("study", "load", demo_study_dir).out
    again = cli("study", "load", demo_study_dir)
    assert again.code == 0
    assert "unchanged" in again.out
    assert audit_actions(isolated_settings) == ["study.created"]
    copy = tmp_path / "study"
    copy.mkdir()
    for source in demo_study_dir.iterdir():
        (copy / source.name).write_bytes(source.read_bytes())
    toml = copy / "study.toml"
    text = toml.read_text()
    assert 'name = "Local-authority analysts"' in text
    toml.write_text(text.replace('"Local-authority analysts"', '"Council analysts"'))
    changed = cli("study", "load", copy)
    assert "updated" in changed.out, changed.out + changed.err
    assert audit_actions(isolated_settings) == ["study.created", "study.updated"]
