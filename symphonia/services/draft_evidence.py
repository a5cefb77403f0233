"""The evidence behind one synthesis version, read back from the database: the run's themes
and singular views, and the fragments they hold, as the pipeline's guard needs them and as
an editor reads them beside each statement.

Only fragments the run analysed can be cited: they are "the fragments of its round"
(a statement citing anything else would point outside the evidence the synthesis is about).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.themes import Theme, ThemeStats, ThemeStatus
from symphonia.db.models import Participant, SingularView, ThemeMember
from symphonia.db.models import Theme as ThemeRow
from symphonia.services.round_input import core_fragment


@dataclass(frozen=True, slots=True)
class FragmentView:
    """A cited fragment as an editor reads it beside a statement."""

    id: str
    text: str
    kind: FragmentKind
    confidence: int
    pseudonym: str
    group: str | None


@dataclass(frozen=True, slots=True)
class ThemeView:
    key: str
    label: str
    status: ThemeStatus
    stats: Mapping[str, Any]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A run's themes, singular views and fragments (by external id), with the fragment
    rows' ids for storing citations."""

    themes: tuple[Theme, ...] = ()
    singular_views: tuple[str, ...] = ()
    fragments: Mapping[str, Fragment] = field(default_factory=lambda: MappingProxyType({}))
    row_ids: Mapping[str, uuid.UUID] = field(default_factory=lambda: MappingProxyType({}))
    theme_views: tuple[ThemeView, ...] = ()

    def view(self, fid: str) -> FragmentView | None:
        f = self.fragments.get(fid)
        if f is None:
            return None
        return FragmentView(f.id, f.text, f.kind, f.confidence, f.author, f.group)


def _stats(data: Mapping[str, Any]) -> ThemeStats:
    return ThemeStats(
        size=int(data.get("size", 0)),
        contributors=int(data.get("contributors", 0)),
        groups=tuple(data.get("groups", ())),
        kind_mix=dict(data.get("kind_mix", {})),
        stance_for=int(data.get("stance_for", 0)),
        stance_against=int(data.get("stance_against", 0)),
        mean_confidence=float(data.get("mean_confidence", 0.0)),
        ratings=data.get("ratings"),
    )


async def load_evidence(session: AsyncSession, run_id: uuid.UUID | None) -> Evidence:
    """The evidence of run `run_id` (empty for a version no run made)."""
    if run_id is None:
        return Evidence()
    theme_rows = list(
        await session.scalars(
            select(ThemeRow)
            .where(ThemeRow.run_id == run_id)
            .options(selectinload(ThemeRow.members).selectinload(ThemeMember.fragment))
            .order_by(ThemeRow.position)
        )
    )
    singular_rows = list(
        await session.scalars(
            select(SingularView)
            .where(SingularView.run_id == run_id)
            .options(selectinload(SingularView.fragment))
        )
    )
    rows = [m.fragment for t in theme_rows for m in t.members] + [s.fragment for s in singular_rows]
    authors = {
        p.id: p
        for p in await session.scalars(
            select(Participant)
            .where(Participant.id.in_({r.author_id for r in rows}))
            .options(selectinload(Participant.group))
        )
    }
    fragments = {r.external_id: core_fragment(r, authors[r.author_id]) for r in rows}
    themes = []
    for t in theme_rows:
        positions = {k: tuple(v) for k, v in t.positions.items() if not k.startswith("_")}
        minority = t.positions.get("_minority")
        themes.append(
            Theme(
                id=t.key,
                label=t.label,
                keywords=tuple(t.keywords),
                fragment_ids=tuple(m.fragment.external_id for m in t.members),
                representative_ids=tuple(
                    m.fragment.external_id for m in t.members if m.representative
                ),
                status=t.status,
                stats=_stats(t.stats),
                reasons=tuple(t.reasons),
                positions=positions,
                minority=minority if isinstance(minority, str) else None,
            )
        )
    views = tuple(
        ThemeView(t.key, t.label, t.status, MappingProxyType(dict(t.stats)), tuple(t.reasons))
        for t in theme_rows
    )
    return Evidence(
        themes=tuple(themes),
        singular_views=tuple(s.fragment.external_id for s in singular_rows),
        fragments=MappingProxyType(fragments),
        row_ids=MappingProxyType({r.external_id: r.id for r in rows}),
        theme_views=views,
    )
