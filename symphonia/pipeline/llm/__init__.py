"""The LLM drafter and its parts: prompts in, validated statements out, a call per theme
(or per few small themes) plus at most one overview call.

Public API: `make_drafter`, `LLMDrafter`, `LLMNotConfigured`, `DraftingFailed`,
`GenerationParams`, `DRAFTERS`, `DEFAULT_DRAFTER`.
Nothing here imports a web framework or a database (DESIGN.md §2). The names and refusals
load at once; the drafter, its client and the factory (which load the OpenAI client) load
on first use, so a command that never drafts does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from symphonia.core.synthesis import FALLBACK_ORIGIN, RESTORED_ORIGIN
from symphonia.pipeline.llm.errors import (
    DEFAULT_DRAFTER,
    DRAFTERS,
    DraftingFailed,
    LLMNotConfigured,
)

if TYPE_CHECKING:
    from symphonia.pipeline.llm.client import GenerationParams
    from symphonia.pipeline.llm.drafter import LLMDrafter
    from symphonia.pipeline.llm.factory import make_drafter

_LAZY = {
    "GenerationParams": "symphonia.pipeline.llm.client",
    "LLMDrafter": "symphonia.pipeline.llm.drafter",
    "make_drafter": "symphonia.pipeline.llm.factory",
}


def __getattr__(name: str) -> Any:
    """Load the OpenAI-backed parts when first asked for (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_DRAFTER",
    "DRAFTERS",
    "FALLBACK_ORIGIN",
    "RESTORED_ORIGIN",
    "DraftingFailed",
    "GenerationParams",
    "LLMDrafter",
    "LLMNotConfigured",
    "make_drafter",
]
