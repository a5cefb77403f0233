"""Writing an analysis result into the database: run, themes, singular views, synthesis version.

The run row exists already (it was requested, then claimed); storing fills it in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.db.enums import Origin
from symphonia.db.models import (
    AnalysisRun,
    Citation,
    Round,
    SingularView,
    Statement,
    SynthesisVersion,
    Theme,
    ThemeMember,
)
from symphonia.db.models import Fragment as FragmentRow
from symphonia.pipeline.analyze import AnalysisResult


async def store_run(
    session: AsyncSession,
    run: AnalysisRun,
    result: AnalysisResult,
    rows: Mapping[str, FragmentRow],
) -> AnalysisRun:
    """Fill the run in with what the pipeline found, and add its themes and singular views."""
    run.embedding_model = str(result.run["model"])
    run.params = {**result.run.get("params", {}), "run": result.run}
    run.input_hash = str(result.run["input_hash"])
    run.timings = dict(result.run.get("timings", {}))
    await session.flush()
    for position, theme in enumerate(result.themes):
        reps = set(theme.representative_ids)
        row = Theme(
            run_id=run.id,
            key=theme.id,
            label=theme.label[:300],
            keywords=list(theme.keywords),
            status=theme.status,
            stats=theme.stats.as_dict(),
            reasons=list(theme.reasons),
            positions={
                **{k: list(v) for k, v in theme.positions.items()},
                **({"_minority": theme.minority} if theme.minority else {}),
            },
            position=position,
        )
        session.add(row)
        await session.flush()
        for fid in theme.fragment_ids:
            session.add(
                ThemeMember(theme_id=row.id, fragment_id=rows[fid].id, representative=fid in reps)
            )
    for fid in result.singular_views:
        session.add(SingularView(run_id=run.id, fragment_id=rows[fid].id))
    return run


def _origin(value: str) -> Origin:
    """Statement origins beyond the stored ones (e.g. an extractive fallback) keep their base."""
    for origin in Origin:
        if value == origin.value or value.startswith(f"{origin.value}-"):
            return origin
    return Origin.EXTRACTIVE


async def store_version(
    session: AsyncSession,
    rnd: Round,
    run: AnalysisRun,
    result: AnalysisResult,
    rows: Mapping[str, FragmentRow],
    created_by_id: uuid.UUID | None = None,
) -> SynthesisVersion:
    """A new synthesis version for the round, child of the round's latest version;
    `created_by_id` is the account that asked for it, if an account did."""
    last = await session.scalar(
        select(SynthesisVersion)
        .where(SynthesisVersion.round_id == rnd.id)
        .order_by(SynthesisVersion.number.desc())
        .limit(1)
    )
    synthesis = result.synthesis
    statements = []
    for position, st in enumerate(synthesis.statements):
        cited = [rows[fid] for fid in dict.fromkeys(st.citations) if fid in rows]
        statements.append(
            Statement(
                key=st.id,
                theme_key=st.theme_id,
                section=st.section,
                text=st.text,
                strength=st.strength,
                origin=_origin(st.origin),
                guard={**st.guard, "origin_detail": st.origin},
                position=position,
                citation_count=len(cited),
                citations=[Citation(fragment_id=f.id, position=n) for n, f in enumerate(cited)],
            )
        )
    # Stored whole, in one flush: the counts tell the database the version is complete, so
    # nothing can be added to it, or changed in it, afterwards (symphonia.db.immutability).
    version = SynthesisVersion(
        round_id=rnd.id,
        run_id=run.id,
        parent_id=last.id if last else None,
        number=last.number + 1 if last else 1,
        origin=_origin(synthesis.drafter),
        drafter=dict(synthesis.meta),
        ledger=[{"subject": e.subject, "reason": e.reason} for e in synthesis.ledger],
        created_by_id=created_by_id,
        statement_count=len(statements),
        statements=statements,
    )
    session.add(version)
    await session.flush()
    return version
