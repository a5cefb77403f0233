"""What the model is shown: each theme's computed facts and its fragments, once, as data.

Fragments go in with their id, kind, confidence and stakeholder group, and never with their
author (a pseudonym is still an identity across rounds): `fragment_view` is the only place a
fragment becomes prompt data, and it has no author field to leak. A contested theme's
fragments are grouped by side, so each id appears exactly once and the sides are explicit.
The overview call sees only the pipeline's theme summaries, never fragment text again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from symphonia.core.fragments import Fragment
from symphonia.core.themes import Theme
from symphonia.pipeline.guard_figures import format_figures
from symphonia.pipeline.guard_policy import ordered_sections
from symphonia.pipeline.prompting import PromptLibrary

THEME_SYSTEM = "theme_system.j2"
THEME_USER = "theme_user.j2"
OVERVIEW_SYSTEM = "overview_system.j2"
OVERVIEW_USER = "overview_user.j2"
PROMPT_FILES = (THEME_SYSTEM, THEME_USER, OVERVIEW_SYSTEM, OVERVIEW_USER)


def fragment_view(fragment: Fragment) -> dict[str, Any]:
    """A fragment as prompt data: no author, by construction."""
    return {
        "id": fragment.id,
        "kind": fragment.kind.value,
        "confidence": fragment.confidence,
        "group": fragment.group,
        "text": fragment.text,
    }


def _runs(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fragments of one block in runs sharing kind and group, so each is written once.

    Kind and group repeated on every line cost ~10 tokens a fragment; a run header states
    them once (token budget: input <= 1.5x the fragment text, see benchmarks/llm_drafting.py).
    """
    order = sorted(views, key=lambda v: (v["kind"], v["group"] or ""))
    runs: list[dict[str, Any]] = []
    for view in order:
        if runs and (runs[-1]["kind"], runs[-1]["group"]) == (view["kind"], view["group"]):
            runs[-1]["fragments"].append(view)
        else:
            runs.append({"kind": view["kind"], "group": view["group"], "fragments": [view]})
    return runs


def theme_blocks(theme: Theme, fragments: Mapping[str, Fragment]) -> list[dict[str, Any]]:
    """Fragments grouped by side (contested themes), each fragment exactly once."""
    blocks: list[dict[str, Any]] = []
    placed: set[str] = set()
    sides = [*theme.positions.items(), (None, theme.fragment_ids)]
    for side, ids in sides:
        fresh = [i for i in dict.fromkeys(ids) if i not in placed and i in fragments]
        placed.update(fresh)
        if fresh:
            runs = _runs([fragment_view(fragments[i]) for i in fresh])
            blocks.append({"side": side, "runs": runs})
    return blocks


def theme_messages(
    prompts: PromptLibrary,
    theme: Theme,
    fragments: Mapping[str, Fragment],
    question: str | None,
) -> list[dict[str, str]]:
    system = prompts.render(THEME_SYSTEM)
    user = prompts.render(
        THEME_USER,
        question=question,
        label=theme.label,
        status=theme.status.value,
        allowed_sections=ordered_sections(theme),
        figures=format_figures(theme, compact=False),
        minority=theme.minority,
        blocks=theme_blocks(theme, fragments),
    )
    return [{"role": "system", "content": system.text}, {"role": "user", "content": user.text}]


def overview_messages(
    prompts: PromptLibrary,
    themes: Sequence[Theme],
    singular_count: int,
    question: str | None,
) -> list[dict[str, str]]:
    summaries = [
        {
            "label": t.label,
            "status": t.status.value,
            "figures": format_figures(t, compact=True),
            "minority": t.minority,
        }
        for t in themes
    ]
    system = prompts.render(OVERVIEW_SYSTEM)
    user = prompts.render(
        OVERVIEW_USER, question=question, themes=summaries, singular_count=singular_count
    )
    return [{"role": "system", "content": system.text}, {"role": "user", "content": user.text}]
