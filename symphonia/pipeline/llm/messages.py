"""What the model is shown: each theme's computed facts and its fragments, once, as data.

Fragments go in with a short id, kind, confidence and stakeholder group, and never with their
author (a pseudonym is still an identity across rounds): `fragment_view` is the only place a
fragment becomes prompt data, and it has no author field to leak. A contested theme's
fragments are grouped by side, so each id appears exactly once and the sides are explicit.
The overview call sees only the pipeline's theme summaries, never fragment text again.

Token budget (issue target, measured by benchmarks/llm_drafting.py): all input tokens of a
round <= 1.5x the tokens of its fragment texts. So the per-call system prompt is the bare
contract, theme facts are one or two lines, kind and group head a run of fragments instead
of repeating on every line, and fragment ids are shown as short per-round aliases
(`FragmentAliases`: "f1", "f2", ... in the round's fragment order; ArgKP ids such as
"arg_12_3" cost 5 tokens a line). Aliases are unique across the whole round, so a model
citing another theme's alias resolves to that theme's real fragment and the guard flags it
exactly as before; an id that is no alias is passed through unchanged (and flagged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class FragmentAliases:
    """Short prompt ids for one round's fragments ("f1", "f2", ...), and their way back."""

    by_id: Mapping[str, str]
    by_alias: Mapping[str, str]

    @classmethod
    def for_round(cls, fragments: Mapping[str, Fragment]) -> FragmentAliases:
        by_id = {fid: f"f{n}" for n, fid in enumerate(fragments, start=1)}
        return cls(by_id=by_id, by_alias={a: fid for fid, a in by_id.items()})

    def alias(self, fragment_id: str) -> str:
        return self.by_id[fragment_id]

    def resolve(self, cited: str) -> str:
        """The real id a cited alias stands for; anything else unchanged (the guard judges it)."""
        return self.by_alias.get(cited, cited)


def fragment_view(fragment: Fragment, alias: str | None = None) -> dict[str, Any]:
    """A fragment as prompt data: no author, by construction."""
    return {
        "id": alias or fragment.id,
        "kind": fragment.kind.value,
        "confidence": fragment.confidence,
        "group": fragment.group,
        "text": fragment.text,
    }


def _runs(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fragments of one block in runs sharing kind and group, so each is written once."""
    order = sorted(views, key=lambda v: (v["kind"], v["group"] or ""))
    runs: list[dict[str, Any]] = []
    for view in order:
        if runs and (runs[-1]["kind"], runs[-1]["group"]) == (view["kind"], view["group"]):
            runs[-1]["fragments"].append(view)
        else:
            runs.append({"kind": view["kind"], "group": view["group"], "fragments": [view]})
    return runs


def theme_blocks(
    theme: Theme, fragments: Mapping[str, Fragment], aliases: FragmentAliases | None = None
) -> list[dict[str, Any]]:
    """Fragments grouped by side (contested themes), each fragment exactly once."""
    aliases = aliases or FragmentAliases.for_round(fragments)
    blocks: list[dict[str, Any]] = []
    placed: set[str] = set()
    sides = [*theme.positions.items(), (None, theme.fragment_ids)]
    for side, ids in sides:
        fresh = [i for i in dict.fromkeys(ids) if i not in placed and i in fragments]
        placed.update(fresh)
        if fresh:
            views = [fragment_view(fragments[i], aliases.alias(i)) for i in fresh]
            blocks.append({"side": side, "runs": _runs(views)})
    return blocks


def theme_messages(
    prompts: PromptLibrary,
    theme: Theme,
    fragments: Mapping[str, Fragment],
    question: str | None,
    aliases: FragmentAliases | None = None,
) -> list[dict[str, str]]:
    system = prompts.render(THEME_SYSTEM)
    user = prompts.render(
        THEME_USER,
        question=question,
        label=theme.label,
        status=theme.status.value,
        allowed_sections=ordered_sections(theme),
        figures=format_figures(theme, compact=True),
        minority=theme.minority,
        blocks=theme_blocks(theme, fragments, aliases),
    )
    return [{"role": "system", "content": system.text}, {"role": "user", "content": user.text}]


def overview_figures(theme: Theme) -> list[str]:
    """The overview's figures: contributors, stances and ratings (sizes and group counts are
    left to the theme calls; the overview needs who holds a view, not how it was chunked)."""
    return [
        f for f in format_figures(theme, compact=True) if not f.endswith((" fragments", " groups"))
    ]


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
            "figures": overview_figures(t),
            "minority": t.minority,
        }
        for t in themes
    ]
    system = prompts.render(OVERVIEW_SYSTEM)
    user = prompts.render(
        OVERVIEW_USER, question=question, themes=summaries, singular_count=singular_count
    )
    return [{"role": "system", "content": system.text}, {"role": "user", "content": user.text}]
