"""Choose a drafter by name: the CLI's ``--drafter extractive|llm``."""

from __future__ import annotations

from typing import Any

from symphonia.pipeline.contracts import Drafter
from symphonia.pipeline.draft_extractive import ExtractiveDrafter
from symphonia.pipeline.llm.client import GenerationParams
from symphonia.pipeline.llm.drafter import LLMDrafter
from symphonia.pipeline.llm.errors import DEFAULT_DRAFTER, DRAFTERS, LLMNotConfigured
from symphonia.settings import LLMSettings, Settings


def make_drafter(
    name: str = DEFAULT_DRAFTER,
    settings: Settings | LLMSettings | None = None,
    *,
    require_model: bool = False,
) -> Drafter:
    """The drafter called `name`; "llm" raises LLMNotConfigured (a clear, printable message)
    when no endpoint and model are configured. `require_model`: the LLM drafter raises
    `DraftingFailed` when the model drafts nothing (see `LLMDrafter`)."""
    if name == "extractive":
        return ExtractiveDrafter()
    if name == "llm":
        if settings is None:
            from symphonia.settings import get_settings

            settings = get_settings()
        llm = settings.llm if isinstance(settings, Settings) else settings
        options: dict[str, Any] = {"require_model": require_model}
        if llm.max_tokens is not None:
            options["params"] = GenerationParams(max_tokens=llm.max_tokens)
        if llm.pack_text_tokens is not None:
            options["pack_text_tokens"] = llm.pack_text_tokens
        return LLMDrafter(llm, **options)
    raise ValueError(f"unknown drafter {name!r}; expected one of {', '.join(DRAFTERS)}")


__all__ = ["DEFAULT_DRAFTER", "DRAFTERS", "LLMNotConfigured", "make_drafter"]
