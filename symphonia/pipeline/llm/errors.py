"""The LLM drafter's names and refusals, importable without loading the model client.

The CLI catches these on every command and names the drafters in its help; keeping them
apart from :mod:`symphonia.pipeline.llm.drafter` spares each command loading the OpenAI
client (over a second of start-up) when it never drafts.
"""

from __future__ import annotations

from symphonia.core.errors import SymphoniaError
from symphonia.core.synthesis import DraftingSummary

DEFAULT_DRAFTER = "extractive"
"""Faithful by construction and offline; the LLM drafter is opt-in even when configured."""
DRAFTERS = ("extractive", "llm")


class LLMNotConfigured(SymphoniaError, RuntimeError):
    """The LLM drafter was asked for without an endpoint and model configured."""


class DraftingFailed(SymphoniaError, RuntimeError):
    """The model drafted none of the themes (every call failed or was unusable), and the
    drafter was told that an all-extractive draft is not an answer (``require_model``)."""

    def __init__(self, summary: DraftingSummary) -> None:
        why = "; ".join(summary.reasons) or "no reason recorded"
        super().__init__(
            f"the language model drafted none of the {summary.themes} theme(s), so the draft "
            f"would be the extractive one throughout ({why})",
            code="model_drafted_nothing",
        )
        self.summary = summary
