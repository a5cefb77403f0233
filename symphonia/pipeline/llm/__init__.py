"""The LLM drafter and its parts: prompts in, validated statements out, a call per theme
(or per few small themes) plus at most one overview call.

Public API: `make_drafter`, `LLMDrafter`, `LLMNotConfigured`, `DraftingFailed`,
`GenerationParams`.
Nothing here imports a web framework or a database (DESIGN.md §2).
"""

from symphonia.core.synthesis import FALLBACK_ORIGIN, RESTORED_ORIGIN
from symphonia.pipeline.llm.client import GenerationParams
from symphonia.pipeline.llm.drafter import DraftingFailed, LLMDrafter, LLMNotConfigured
from symphonia.pipeline.llm.factory import DEFAULT_DRAFTER, DRAFTERS, make_drafter

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
