"""What the console says about a model-drafted synthesis: how much the model wrote.

An LLM endpoint that is down, or answers with something unusable, does not stop a draft: each
theme falls back to its extractive draft. That must never pass silently. After every LLM
draft the console says how many statements the model drafted and how many fell back (a
warning on stderr when any did), and the reports say the same (`DraftingSummary`). When the
model drafted nothing at all, the command fails and nothing is kept, unless the user asked
for the extractive fallback with ``--allow-fallback``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, NoReturn

import typer

from symphonia.cli.common import console, fail, warn
from symphonia.core.synthesis import DraftingSummary
from symphonia.pipeline.llm import DraftingFailed

AllowFallback = Annotated[
    bool,
    typer.Option(
        "--allow-fallback",
        help=(
            "With --drafter llm: keep the extractive draft when the model drafts nothing "
            "(by default that is an error and nothing is kept)."
        ),
    ),
]


def report_drafting(meta: Mapping[str, Any]) -> None:
    """Print what the model drafted, if a model drafted (an extractive draft says nothing)."""
    summary = DraftingSummary.from_dict(meta.get("drafting"))
    if summary is None:
        return
    if summary.complete:
        console.print(f"drafting: {summary.describe()}")
        return
    warn(summary.describe())


def drafting_failed(exc: DraftingFailed, consequence: str) -> NoReturn:
    """Refuse a draft the model wrote none of, saying what was (not) kept and what to do."""
    fail(
        f"{exc}. {consequence}. Check the endpoint (SYMPHONIA_LLM_BASE_URL, "
        "SYMPHONIA_LLM_MODEL), or pass --allow-fallback to keep the extractive draft"
    )
