"""Building a round's report document from the database: the one shape every renderer reads.

Every statement carries its citations, and every cited fragment its kind, group and — as the
study's anonymity allows — its author, so a reader can follow any statement to its evidence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.text_rules import clip
from symphonia.db.enums import Anonymity
from symphonia.db.models import (
    AnalysisRun,
    Citation,
    Participant,
    SingularView,
    Statement,
    SynthesisVersion,
    Theme,
    ThemeMember,
)
from symphonia.db.models import Fragment as FragmentRow
from symphonia.services.errors import NotFound
from symphonia.services.lookup import get_round, version_query
from symphonia.services.permissions import require, study_for
from symphonia.services.tx import transaction

SECTION_ORDER = ("consensus", "contested", "gap", "action", "minority")


def _author(p: Participant, anonymity: Anonymity) -> str | None:
    if anonymity is Anonymity.ANONYMOUS:
        return None
    if anonymity is Anonymity.NAMED and p.display_name:
        return f"{p.display_name} ({p.pseudonym})"
    return p.pseudonym


async def build_report(
    session: AsyncSession,
    slug: str,
    number: int,
    version_number: int | None = None,
    *,
    actor: Actor,
) -> dict[str, Any]:
    """The report document of a round's latest (or a given) synthesis version.

    Who may read drafts gets any version; everyone else with a role in the study gets
    published versions only, as though the drafts did not exist.
    """
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
        drafts = actor.can(study.id, Permission.VIEW_DRAFTS)
        if not drafts:
            require(actor, study.id, Permission.VIEW_PUBLISHED, slug)
        rnd = await get_round(session, study, number)
        query = version_query(rnd, version_number)
        loads = (
            selectinload(SynthesisVersion.statements)
            .selectinload(Statement.citations)
            .selectinload(Citation.fragment)
        )
        if query is not None and not drafts:
            query = query.where(SynthesisVersion.published_at.is_not(None))
        version = await session.scalar(query.options(loads)) if query is not None else None
        context = {"study": slug, "round": number}
        if version is None:
            if version_number is not None:
                raise NotFound(
                    f"round {number} of {slug!r} has no version {clip(str(version_number))}",
                    code="unknown_version",
                    context={**context, "version": version_number},
                )
            if not drafts:
                raise NotFound(
                    f"round {number} of {slug!r} has no published synthesis yet",
                    code="nothing_published",
                    context=context,
                )
            raise NotFound(
                f"round {number} of {slug!r} has no synthesis yet",
                code="no_synthesis",
                context=context,
            )
        run = await session.get(AnalysisRun, version.run_id) if version.run_id else None
        themes = []
        singular: list[str] = []
        if run is not None:
            rows = await session.scalars(
                select(Theme)
                .where(Theme.run_id == run.id)
                .order_by(Theme.position)
                .options(selectinload(Theme.members).selectinload(ThemeMember.fragment))
            )
            for t in rows:
                positions = {k: v for k, v in t.positions.items() if not k.startswith("_")}
                # Membership rows carry no order: sort by fragment id so that two exports
                # of the same version are identical on every database.
                members = sorted(t.members, key=lambda m: m.fragment.external_id)
                themes.append(
                    {
                        "id": t.key,
                        "label": t.label,
                        "keywords": t.keywords,
                        "status": t.status.value,
                        "reasons": t.reasons,
                        "positions": positions,
                        "minority": t.positions.get("_minority"),
                        "stats": t.stats,
                        "fragment_ids": [m.fragment.external_id for m in members],
                        "representative_ids": [
                            m.fragment.external_id for m in members if m.representative
                        ],
                    }
                )
            singular = list(
                await session.scalars(
                    select(FragmentRow.external_id)
                    .join(SingularView, SingularView.fragment_id == FragmentRow.id)
                    .where(SingularView.run_id == run.id)
                    .order_by(FragmentRow.external_id)
                )
            )
        fragment_rows = await session.scalars(
            select(FragmentRow)
            .join(Citation, Citation.fragment_id == FragmentRow.id)
            .join(Statement, Statement.id == Citation.statement_id)
            .where(Statement.version_id == version.id)
            .options(selectinload(FragmentRow.author).selectinload(Participant.group))
            .distinct()
        )
        evidence = {
            f.external_id: {
                "id": f.external_id,
                "kind": f.kind.value,
                "text": f.text,
                "confidence": f.confidence,
                "group": f.author.group.key if f.author.group else None,
                "author": _author(f.author, study.anonymity),
                "sources": f.sources,
            }
            for f in fragment_rows
        }
        statements = [
            {
                "id": s.key,
                "theme_id": s.theme_key,
                "section": s.section.value,
                "text": s.text,
                "strength": s.strength.value,
                "origin": s.guard.get("origin_detail", s.origin.value),
                "citations": [c.fragment.external_id for c in s.citations],
                "guard": {k: v for k, v in s.guard.items() if k != "origin_detail"},
            }
            for s in sorted(version.statements, key=lambda s: s.position)
        ]
        return {
            "study": {
                "id": study.slug,
                "title": study.title,
                "question": study.question,
                "description": study.description,
                "synthetic": study.synthetic,
                "anonymity": study.anonymity.value,
            },
            "protocol": study.protocol,
            "round": {"number": rnd.number, "kind": rnd.kind.value, "status": rnd.status.value},
            "version": {
                "number": version.number,
                "origin": version.origin.value,
                "created_at": version.created_at.isoformat(),
                "published_at": version.published_at.isoformat() if version.published_at else None,
                "drafter": version.drafter,
            },
            "run": (run.params.get("run", {}) if run else {}),
            "themes": themes,
            "singular_views": singular,
            "statements": statements,
            "ledger": version.ledger,
            "evidence": evidence,
        }
