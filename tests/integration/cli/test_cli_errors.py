"""Bad input: a clear message and a non-zero exit, never a traceback, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer.main

from symphonia.cli import app
from tests.integration.cli.conftest import Invoke

GOOD = {"id": "x1", "author": "E01", "kind": "claim", "text": "A claim.", "confidence": 3}


def jsonl(path: Path, *rows: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def all_commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(cmd: object, prefix: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c) or "symphonia")
def test_every_command_has_help(cli: Invoke, command: list[str]) -> None:
    outcome = cli(*command, "--help")
    assert outcome.code == 0
    assert "Usage:" in outcome.out
    assert len(outcome.out.splitlines()) > 4


@pytest.fixture
def loaded(cli: Invoke, demo_study_dir: Path) -> Invoke:
    assert cli("db", "upgrade").code == 0
    assert cli("study", "load", demo_study_dir).code == 0
    assert cli("round", "open", "connected-icb", "1").code == 0
    return cli


BAD_FRAGMENT_FILES: dict[str, tuple[list[object], str]] = {
    "malformed json": ([GOOD, '{"id": "x2", "author": '], "bad.jsonl:3:"),
    "missing field": ([{k: v for k, v in GOOD.items() if k != "text"}], "text"),
    "unknown field": ([{**GOOD, "colour": "red"}], "colour"),
    "duplicate ids": ([GOOD, GOOD], "duplicate"),
    "unknown kind": ([{**GOOD, "kind": "opinion"}], "opinion"),
    "confidence out of range": ([{**GOOD, "confidence": 7}], "confidence"),
    "empty text": ([{**GOOD, "text": "   "}], "text"),
    "oversized text": ([{**GOOD, "text": "x" * 5000}], "4000"),
}


@pytest.mark.parametrize("case", BAD_FRAGMENT_FILES, ids=str)
def test_bad_fragment_files_are_refused_whole(loaded: Invoke, tmp_path: Path, case: str) -> None:
    rows, expected = BAD_FRAGMENT_FILES[case]
    path = jsonl(tmp_path / "bad.jsonl", GOOD | {"id": "ok1"}, *rows)
    outcome = loaded("fragments", "import", "connected-icb", "1", path)
    assert outcome.code == 2
    assert expected in outcome.err
    assert "Traceback" not in outcome.err + outcome.out
    # nothing half-written: the good first line was not imported either
    good_again = loaded(
        "fragments",
        "import",
        "connected-icb",
        "1",
        jsonl(tmp_path / "g.jsonl", GOOD | {"id": "ok1"}),
    )
    assert good_again.code == 0, good_again.err


def test_unknown_study_round_and_closed_round(loaded: Invoke, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "f.jsonl", GOOD)
    unknown = loaded("fragments", "import", "no-such-study", "1", path)
    assert unknown.code == 2
    assert "unknown study 'no-such-study'" in unknown.err
    no_round = loaded("fragments", "import", "connected-icb", "9", path)
    assert no_round.code == 2
    assert "has no round 9" in no_round.err
    assert loaded("round", "close", "connected-icb", "1").code == 0
    closed = loaded("fragments", "import", "connected-icb", "1", path)
    assert closed.code == 2
    assert "closed" in closed.err


def test_bad_ratings_are_refused(loaded: Invoke, demo_study_dir: Path, tmp_path: Path) -> None:
    frags = demo_study_dir / "round1-fragments.jsonl"
    assert loaded("fragments", "import", "connected-icb", "1", frags).code == 0
    assert loaded("round", "close", "connected-icb", "1").code == 0
    assert loaded("round", "open", "connected-icb", "2").code == 0
    unknown_item = jsonl(tmp_path / "r1.jsonl", {"item": "s404", "rater": "E01", "score": 5})
    outcome = loaded("ratings", "import", "connected-icb", "2", unknown_item)
    assert outcome.code == 2
    assert "unknown item 's404'" in outcome.err
    off_scale = jsonl(tmp_path / "r2.jsonl", {"item": "f001", "rater": "E01", "score": 12})
    outcome = loaded("ratings", "import", "connected-icb", "2", off_scale)
    assert outcome.code == 2
    assert "outside the scale 1–9" in outcome.err


def test_database_not_initialised_is_explained(cli: Invoke) -> None:
    outcome = cli("study", "list")
    assert outcome.code == 2
    assert "symphonia db upgrade" in outcome.err


def test_llm_drafter_without_endpoint_is_refused_clearly(cli: Invoke, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "f.jsonl", GOOD)
    outcome = cli("analyze", path, "--out", tmp_path / "r.json", "--drafter", "llm", "-q")
    assert outcome.code == 2
    assert "SYMPHONIA_LLM" in outcome.err
    assert not (tmp_path / "r.json").exists()


def test_study_file_errors_name_file_field_and_reason(cli: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "study.toml"
    bad.write_text(
        '[study]\nid = "s"\ntitle = "t"\nquestion = "q"\n[protocol]\nrule = "majority"\n'
    )
    outcome = cli("study", "load", bad)
    assert outcome.code == 2
    assert "study.toml" in outcome.err
    assert "protocol.rule" in outcome.err
    assert "majority" in outcome.err


def test_missing_input_file(cli: Invoke, tmp_path: Path) -> None:
    outcome = cli("analyze", tmp_path / "nope.jsonl", "--out", tmp_path / "r.json")
    assert outcome.code == 2
    assert "nope.jsonl" in outcome.err


def test_unknown_embedding_backend_is_refused_clearly(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_BACKEND", "gpu")
    path = jsonl(tmp_path / "f.jsonl", GOOD)
    outcome = cli("analyze", path, "--out", tmp_path / "r.json", "-q")
    assert outcome.code == 2
    assert "unknown embedding backend 'gpu'" in outcome.err
    assert "onnx" in outcome.err
    assert not (tmp_path / "r.json").exists()


def test_a_model_onnx_cannot_run_is_refused_clearly_when_onnx_is_required(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tmp_path / "dense-model"
    model.mkdir()
    (model / "modules.json").write_text(
        json.dumps(
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Dense"}]
        )
    )
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_MODEL", str(model))
    monkeypatch.setenv("SYMPHONIA_EMBEDDING_BACKEND", "onnx")
    path = jsonl(tmp_path / "f.jsonl", GOOD, {**GOOD, "id": "x2"}, {**GOOD, "id": "x3"})
    outcome = cli("analyze", path, "--out", tmp_path / "r.json", "-q")
    assert outcome.code == 2
    assert "Dense" in outcome.err
    assert "SYMPHONIA_EMBEDDING_BACKEND=auto or torch" in outcome.err
    assert not (tmp_path / "r.json").exists()
