"""One error root: every refusal Symphonia raises on purpose hangs from SymphoniaError, and a
rejected input lists (location, field, reason) for each problem."""

from __future__ import annotations

import pytest

from symphonia.core.errors import (
    MAX_LISTED,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    Problem,
    RejectedInput,
    SymphoniaError,
)
from symphonia.core.fragments import InvalidInput
from symphonia.core.synthesis import DraftingSummary
from symphonia.db.errors import DatabaseUnreachable, ImmutableRecordError, StorageError
from symphonia.interchange import InterchangeError, Issue
from symphonia.interchange.files import InputFileError
from symphonia.pipeline.embed import EmbeddingModelError
from symphonia.pipeline.llm import DraftingFailed, LLMNotConfigured
from symphonia.pipeline.onnx_export import OnnxUnsupported
from symphonia.services import errors as service_errors
from symphonia.settings.environment import SettingsError
from symphonia.studyfiles import StudyFileError


@pytest.mark.parametrize(
    "error",
    [
        InvalidInput("text", "empty"),
        InterchangeError("f.jsonl", [Issue(3, "kind", "unknown kind 'x'")]),
        StudyFileError("study.toml", [("title", "missing")]),
        SettingsError("SYMPHONIA_X", "y", "a number"),
        StorageError("boom"),
        ImmutableRecordError("fragment", "UPDATE"),
        LLMNotConfigured("no endpoint"),
        OnnxUnsupported("no graph"),
        service_errors.ServiceError("refused"),
        service_errors.NotFound("gone"),
        InputFileError("/dev/zero", "is a character device, not a regular file"),
        DatabaseUnreachable("sqlite+aiosqlite:///x.db", "unable to open database file"),
        EmbeddingModelError("cannot load the embedding model 'x'"),
        DraftingFailed(DraftingSummary(3, 0, 3, 0, 0, 3, 3, ("timeout",))),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_refusal_hangs_from_the_one_root(error: Exception) -> None:
    assert isinstance(error, SymphoniaError)
    assert str(error)


def test_the_old_builtin_bases_still_hold_for_callers_that_catch_them() -> None:
    assert isinstance(InvalidInput("a", "b"), ValueError)
    assert isinstance(InterchangeError("f", []), ValueError)
    assert isinstance(LLMNotConfigured("x"), RuntimeError)
    assert isinstance(EmbeddingModelError("x"), RuntimeError)
    assert isinstance(DraftingFailed(DraftingSummary(1, 0, 1, 0, 0, 1, 1)), RuntimeError)
    assert isinstance(DatabaseUnreachable("u", "r"), StorageError)
    unreadable = InputFileError("/dev/zero", "is a character device, not a regular file")
    assert isinstance(unreadable, OSError)  # reported as "path: reason", as OS errors are
    assert (unreadable.filename, unreadable.strerror) == (
        "/dev/zero",
        "is a character device, not a regular file",
    )
    assert isinstance(ImmutableRecordError("fragment", "DELETE"), Conflict)
    assert issubclass(AuthenticationFailed, PermissionDenied)


def test_services_reexport_the_root_classes() -> None:
    assert service_errors.NotFound is NotFound
    assert service_errors.Conflict is Conflict
    assert service_errors.RejectedInput is RejectedInput
    assert service_errors.ServiceError is SymphoniaError


def test_a_problem_reads_location_field_reason_and_skips_empty_parts() -> None:
    assert str(Problem("f.jsonl:7", "kind", "unknown")) == "f.jsonl:7: kind: unknown"
    assert str(Problem("", "email", "not an address")) == "email: not an address"
    assert str(Problem("", "", "holds nothing")) == "holds nothing"


def test_rejected_input_lists_every_problem_and_caps_the_message() -> None:
    problems = [Problem(f"f:{n}", "id", "duplicate") for n in range(MAX_LISTED + 5)]
    refusal = RejectedInput("f: 55 problem(s)", problems)
    lines = str(refusal).splitlines()
    assert lines[0] == "f: 55 problem(s)"
    assert lines[1] == "  - f:0: id: duplicate"
    assert lines[-1] == "  ... and 5 more"
    assert len(refusal.problems) == MAX_LISTED + 5  # kept whole for a form or an API


def test_file_refusals_locate_each_problem_at_file_and_line() -> None:
    refusal = InterchangeError("f.jsonl", [Issue(3, "kind", "unknown"), Issue(None, "(file)", "x")])
    assert refusal.problems == (
        Problem("f.jsonl:3", "kind", "unknown"),
        Problem("f.jsonl", "(file)", "x"),
    )
    assert str(refusal).splitlines()[1] == "f.jsonl:3: kind: unknown"
    domain = InvalidInput("confidence", "must be 1-5")
    assert str(domain) == "confidence: must be 1-5"
    assert domain.problems == (Problem("", "confidence", "must be 1-5"),)


def test_code_and_context_travel_with_the_refusal_and_cannot_be_changed() -> None:
    refusal = Conflict("round 1 is open", code="round_still_open", context={"round": 1})
    assert (refusal.code, dict(refusal.context)) == ("round_still_open", {"round": 1})
    with pytest.raises(TypeError):
        refusal.context["round"] = 2  # type: ignore[index]
    assert SymphoniaError("plain").code is None
