"""A theme's part of a validated reply, turned into statements the guard can check.

Split from the drafter, which orchestrates calls: here is what the model may and may not
decide. Sections a theme's status does not allow are overridden (and flagged); cited prompt
numbers resolve only to fragments this call sent; a side or theme the reply leaves out is
restored from the extractive draft; a theme without a usable reply falls back to it.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from symphonia.core.fragments import Fragment
from symphonia.core.synthesis import (
    FALLBACK_ORIGIN,
    RESTORED_ORIGIN,
    Section,
    Statement,
    Strength,
)
from symphonia.core.themes import Theme
from symphonia.pipeline.draft_extractive import draft_theme_statements
from symphonia.pipeline.guard_policy import allowed_sections, home_section
from symphonia.pipeline.llm.messages import FragmentAliases
from symphonia.pipeline.llm.schema import ThemeReply


@dataclass
class ThemeOutcome:
    statements: list[Statement]
    fallback: str | None = None
    restored: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, str]] = field(default_factory=list)


def _with_origin(statements: Sequence[Statement], origin: str, note: str | None) -> list[Statement]:
    guard = {"notes": [{"code": "restored_from_extractive", "message": note}]} if note else {}
    return [replace(s, origin=origin, guard=dict(guard)) for s in statements]


def fallback_statements(theme: Theme, fragments: Mapping[str, Fragment]) -> list[Statement]:
    """The extractive draft of one theme, marked so the editor sees it replaced the model."""
    return _with_origin(draft_theme_statements(theme, fragments), FALLBACK_ORIGIN, None)


def reply_statements(
    theme: Theme,
    reply: ThemeReply,
    aliases: FragmentAliases,
    round_ids: Container[str],
) -> ThemeOutcome:
    """Statements from a theme's validated part of a reply, with disallowed sections
    overridden and flagged.

    Cited numbers resolve to real fragment ids only if this call sent them (a number of
    another theme of the same call resolves to that theme's fragment, which the guard flags
    as outside the theme); anything else becomes a ``not-sent:`` citation that is no
    fragment of the round (`round_ids`), so the guard flags it as invalid and the editor sees
    what the model wrote.
    """
    allowed = allowed_sections(theme)
    out = ThemeOutcome(statements=[])
    for n, item in enumerate(reply.statements, start=1):
        section = Section(item.section)
        guard: dict[str, Any] = {}
        sid = f"{theme.id}-l{n}"
        if section not in allowed:
            home = home_section(theme)
            message = (
                f"the model put this statement of a {theme.status.value} theme in the "
                f"{section.value} section; moved to {home.value} (classification is computed, "
                "not drafted)"
            )
            guard["drafter_flags"] = [{"code": "section_overridden", "message": message}]
            out.overrides.append({"statement_id": sid, "from": section.value, "to": home.value})
            section = home
        cited = (i.strip() for i in item.fragment_ids)
        citations = tuple(dict.fromkeys(aliases.resolve(i, round_ids) for i in cited if i))
        out.statements.append(
            Statement(
                id=sid,
                theme_id=theme.id,
                section=section,
                text=item.text.strip(),
                citations=citations,
                strength=Strength(item.strength),
                origin="llm",
                guard=guard,
            )
        )
    return out


def restore_omissions(
    theme: Theme, outcome: ThemeOutcome, fragments: Mapping[str, Fragment]
) -> None:
    """Add back extractive statements for a theme or side the model's reply left out."""
    cited = {i for s in outcome.statements for i in s.citations} & set(theme.fragment_ids)
    extractive = draft_theme_statements(theme, fragments)
    if not cited:
        note = "the model's draft cites none of this theme's fragments; restored"
        outcome.statements += _with_origin(extractive, RESTORED_ORIGIN, note)
        outcome.restored.append(
            {"theme_id": theme.id, "side": None, "statement_ids": [s.id for s in extractive]}
        )
        return
    for side, ids in theme.positions.items():
        if cited & set(ids):
            continue
        back = [s for s in extractive if set(s.citations) & set(ids)]
        note = f"the model's draft left out the {side!r} position; restored from the extractive"
        outcome.statements += _with_origin(back, RESTORED_ORIGIN, note + " draft")
        outcome.restored.append(
            {"theme_id": theme.id, "side": side, "statement_ids": [s.id for s in back]}
        )
