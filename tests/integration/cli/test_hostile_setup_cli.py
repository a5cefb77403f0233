"""Hostile settings and arguments at the command line: bad database URLs, numbers past any
round, a model folder that is not one, a damaged cache, a destructive downgrade, and a study
file that tries to rewrite what happened (issue 8, part 2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from symphonia.settings import get_settings
from tests.integration.cli.conftest import Invoke, copy_study, refused

STUDY = "connected-icb"
HUGE = str(2**63)


def tables(data_dir: Path) -> set[str]:
    with sqlite3.connect(data_dir / "symphonia.db") as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture
def loaded(cli: Invoke, demo_study_dir: Path) -> Invoke:
    for step in (("db", "upgrade"), ("study", "load", demo_study_dir)):
        assert cli(*step).code == 0
    return cli


# -- database URLs -------------------------------------------------------------------------

BAD_URLS = [
    ("postgresql://", "it names no database"),
    ("mysql://user@host/db", "the scheme 'mysql' is not supported"),
    ("postgresql+asyncpg://u:secret@localhost:abc/db", "the port 'abc' is not a number"),
    ("postgresql+asyncpg://u:secret@localhost:99999/db", "the port '99999' is not a number"),
    ("sqlite://", "it names no database file"),
    ("not a url", "this is not a URL"),
]


@pytest.mark.parametrize(("url", "reason"), BAD_URLS, ids=[u for u, _ in BAD_URLS])
@pytest.mark.parametrize("command", [("db", "upgrade"), ("study", "list"), ("db", "current")])
def test_bad_database_urls_are_one_clear_line(
    cli: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    reason: str,
    command: tuple[str, ...],
) -> None:
    monkeypatch.setenv("SYMPHONIA_DATABASE_URL", url)
    get_settings.cache_clear()
    outcome = cli(*command)
    refused(outcome, "SYMPHONIA_DATABASE_URL=", reason)
    assert "secret" not in outcome.err, "the password is never printed"
    assert len(outcome.err.strip().splitlines()) == 1


def test_a_database_nobody_answers_at_is_named(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYMPHONIA_DATABASE_URL", "postgresql://u:secret@127.0.0.1:1/db")
    get_settings.cache_clear()
    outcome = cli("study", "list")
    refused(outcome, "cannot connect to the database postgresql+asyncpg://u:***@127.0.0.1:1/db")
    assert "secret" not in outcome.err


def test_bare_driver_schemes_mean_the_async_drivers(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SYMPHONIA_DATABASE_URL", f"sqlite:///{tmp_path / 'plain.db'}")
    get_settings.cache_clear()
    assert cli("db", "upgrade").code == 0
    assert (tmp_path / "plain.db").exists()


# -- numbers past any round or version -----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("round", "open", STUDY, HUGE),
        ("round", "close", STUDY, HUGE),
        ("fragments", "import", STUDY, HUGE, "f.jsonl"),
        ("ratings", "import", STUDY, HUGE, "r.jsonl"),
        ("synthesize", STUDY, HUGE),
        ("export", STUDY, HUGE),
        ("export", STUDY, "1", "--version", HUGE),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_numbers_past_any_round_are_usage_errors(loaded: Invoke, args: tuple[str, ...]) -> None:
    outcome = loaded(*args)
    refused(outcome, "Invalid value for", "less than or equal to")


# -- the embedding model and its cache -----------------------------------------------------


def test_a_model_folder_without_config_is_refused_by_name(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_study_dir: Path
) -> None:
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "README.md").write_text("weights go here\n")
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_MODEL", str(model))
    get_settings.cache_clear()
    fragments = demo_study_dir / "round1-fragments.jsonl"
    outcome = cli("analyze", fragments, "--out", tmp_path / "r.json", "-q")
    refused(outcome, f"the embedding model folder '{model}'", "neither config.json nor modules")
    assert not (tmp_path / "r.json").exists()
    (model / "config.json").write_text("{}")  # a folder that claims to be a model, wrongly
    outcome = cli("analyze", fragments, "--out", tmp_path / "r.json", "-q")
    refused(outcome, f"cannot load the embedding model '{model}'")


@pytest.mark.model
def test_a_damaged_embedding_cache_is_rebuilt(
    cli: Invoke, tmp_path: Path, isolated_settings: Path, demo_study_dir: Path
) -> None:
    fragments = tmp_path / "f.jsonl"
    fragments.write_text(
        "".join((demo_study_dir / "round1-fragments.jsonl").read_text().splitlines(True)[:30])
    )
    cache = isolated_settings / "embeddings.sqlite3"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not a database" * 1000)
    outcome = cli("analyze", fragments, "--out", tmp_path / "r.json", "-q")
    assert outcome.code == 0, outcome.err
    assert "embedding cache rebuilt" in outcome.err
    assert (isolated_settings / "embeddings.sqlite3.corrupt").read_bytes().startswith(b"this is")
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] >= 30


# -- db downgrade ----------------------------------------------------------------------------


def test_downgrade_to_base_says_what_goes_and_asks(loaded: Invoke, isolated_settings: Path) -> None:
    before = tables(isolated_settings)
    outcome = loaded("db", "downgrade", "base")  # no answer on stdin: no
    refused(outcome, "downgrade cancelled; nothing was changed", "--yes")
    assert "Every table is dropped, with all its data (study 1" in outcome.out
    assert "participant 16" in outcome.out
    assert tables(isolated_settings) == before
    gone = loaded("db", "downgrade", "base", "--yes")
    assert gone.code == 0, gone.err
    assert tables(isolated_settings) <= {"alembic_version"}


def test_downgrade_goes_ahead_on_yes_typed(cli: Invoke, isolated_settings: Path) -> None:
    from typer.testing import CliRunner

    from symphonia.cli import app

    assert cli("db", "upgrade").code == 0
    result = CliRunner().invoke(app, ["db", "downgrade", "base"], input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "database at revision base" in result.stdout
    assert tables(isolated_settings) <= {"alembic_version"}


# -- a study file after the lock -------------------------------------------------------------


def test_a_study_file_edited_after_round_one_is_refused_with_each_change(
    loaded: Invoke, tmp_path: Path, demo_study_dir: Path
) -> None:
    assert loaded("round", "open", STUDY, "1").code == 0
    study = copy_study(demo_study_dir, tmp_path / "study")
    toml = study / "study.toml"
    text = toml.read_text()
    text = text.replace("opens = 2025-01-13", "opens = 2025-01-06")
    text = text.replace(
        'title = "Connected ICB: national programme priorities (synthetic demo)"',
        'title = "Connected ICB priorities"',
    )
    toml.write_text(text)
    outcome = loaded("study", "load", study)
    refused(
        outcome,
        "refusing 2 change(s), nothing was written",
        'study.title: "Connected ICB: national programme priorities (synthetic demo)" → '
        '"Connected ICB priorities"',
        'rounds.1.opens: "2025-01-13" → "2025-01-06" (it has opened)',
    )
    assert "unchanged" not in outcome.out


@pytest.mark.parametrize("scale", ["2", "102", "99999999999999999999999"])
def test_analyze_scales_outside_the_rule_name_the_option(
    cli: Invoke, tmp_path: Path, demo_study_dir: Path, scale: str
) -> None:
    fragments = demo_study_dir / "round1-fragments.jsonl"
    outcome = cli("analyze", fragments, "--out", tmp_path / "r.json", "--scale", scale, "-q")
    refused(outcome, "--scale must be from 3 to 101 points")
    assert not (tmp_path / "r.json").exists()


def test_a_revision_of_hundreds_of_characters_is_one_short_line(loaded: Invoke) -> None:
    outcome = loaded("db", "downgrade", "9" * 500)
    refused(outcome, "cannot downgrade to revision '999", "no such revision")
    assert len(outcome.err) < 200
