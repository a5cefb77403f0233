"""`build_report_document`: the report of one synthesis version, from the study's records.

One read transaction loads the records (`records.load_records`, which also decides who may
read which version); the parts are assembled by small functions (`content`, `items`,
`methods`, `accord`), and sections other parts of the platform add come from providers
(`extensions`). Panellists' flags (issue 10) come from a provider too (`panel_flags`, by
default); `flags_not_recorded` remains for records kept before the platform recorded flags.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.protocol import protocol_from_dict
from symphonia.services.reporting import content, methods
from symphonia.services.reporting.accord import Facts, checklist
from symphonia.services.reporting.extensions import SectionProvider
from symphonia.services.reporting.items import agreement_history, item_statistics
from symphonia.services.reporting.methods_model import MethodsAppendix
from symphonia.services.reporting.model import (
    SCHEMA,
    FlagsRecord,
    Overview,
    ReportDocument,
    RoundInfo,
    StudyInfo,
    VersionInfo,
)
from symphonia.services.reporting.panel_flags import recorded_flags
from symphonia.services.reporting.records import ReportRecords, load_records
from symphonia.services.tx import transaction

FlagsProvider = Callable[[AsyncSession, ReportRecords], Awaitable[FlagsRecord]]


async def flags_not_recorded(_session: AsyncSession, _records: ReportRecords) -> FlagsRecord:
    return FlagsRecord(
        recorded=False,
        note=(
            "Panellists cannot flag statements on this platform yet, so no flag was raised "
            "or answered; when they can, every flag and its answer is listed here."
        ),
        flags=(),
    )


def _overview(drafter: Mapping[str, Any]) -> Overview | None:
    overview = drafter.get("overview") or {}
    if not isinstance(overview, Mapping) or not overview.get("text"):
        return None
    guard = overview.get("guard")
    return Overview(
        text=str(overview["text"]),
        origin=str(overview.get("origin", "llm")),
        guard=content.guard_verdict(guard) if isinstance(guard, Mapping) else None,
    )


def _version(records: ReportRecords) -> VersionInfo:
    v = records.version
    parent = records.chain[1].number if len(records.chain) > 1 else None
    return VersionInfo(
        number=v.number,
        origin=v.origin.value,
        created_at=v.created_at,
        approved_at=v.approved_at,
        published_at=v.published_at,
        published_by=records.publication.actor if records.publication else None,
        parent_number=parent,
        drafter=str((v.drafter or {}).get("drafter", v.origin.value)),
        model=(v.drafter or {}).get("model"),
    )


def assemble(records: ReportRecords) -> ReportDocument:
    """The document from loaded records (no I/O)."""
    study, rnd = records.study, records.round
    protocol = protocol_from_dict(study.protocol)
    run = (records.run.params.get("run") or {}) if records.run else {}
    labels = (run.get("theme_labels") or {}).get("themes") or {}
    themes = content.theme_entries(records, labels)
    sections = content.sections(records, themes)
    statements = tuple(s for section in sections for s in section.statements)
    items = item_statistics(records, protocol)
    contested = content.contested_issues(records, themes, statements)
    amendments = content.amendments(records)
    ledger = content.ledger(records)
    flow = methods.flow(records)
    appendix = MethodsAppendix(
        panel=methods.panel(records),
        flow=flow,
        protocol=methods.protocol_summary(records, protocol),
        stopping=methods.stopping(records, protocol),
        stability=methods.stability(records),
        groups=methods.groups_compared(records),
        drafting=methods.drafting(records),
        accord=(),
    )
    by_section = {s.key: len(s.statements) for s in sections}
    facts = Facts(
        methods=appendix,
        question=study.question,
        description=study.description,
        consensus_statements=by_section.get("consensus", 0),
        contested=len(contested),
        gaps=by_section.get("gap", 0),
        rated_items=len(items),
        amendments=len(amendments),
        ledger=len(ledger),
        anonymity=study.anonymity.value,
        dated_rounds=sum(1 for r in flow if r.opens_at or r.closes_at),
    )
    appendix = replace(appendix, accord=checklist(facts))
    version = _version(records)
    ratings = content.rating_records(records)
    return ReportDocument(
        schema=SCHEMA,
        study=StudyInfo(
            slug=study.slug,
            title=study.title,
            question=study.question,
            description=study.description,
            synthetic=study.synthetic,
            anonymity=study.anonymity.value,
        ),
        round=RoundInfo(
            number=rnd.number,
            kind=rnd.kind.value,
            status=rnd.status.value,
            opens_at=rnd.opens_at,
            closes_at=rnd.closes_at,
            evidence_round=records.evidence_round.number,
        ),
        version=version,
        issued_at=version.published_at or version.created_at,
        overview=_overview(records.version.drafter or {}),
        sections=sections,
        contested=contested,
        themes=themes,
        singular_views=tuple(records.singular),
        items=items,
        history=agreement_history(records, protocol, (i.item_id for i in items)),
        ratings=ratings,
        ledger=ledger,
        amendments=amendments,
        flags=FlagsRecord(False, "", ()),
        evidence=content.evidence(records, themes),
        methods=appendix,
    )


async def build_report_document(
    session: AsyncSession,
    slug: str,
    number: int,
    version_number: int | None = None,
    *,
    actor: Actor,
    flags: FlagsProvider | None = None,
    extras: Sequence[SectionProvider] = (),
) -> ReportDocument:
    """The report of round `number`'s latest (or a given) synthesis version.

    Who may read drafts gets any version; everyone else with a role in the study gets
    published versions only, as though the drafts did not exist.
    """
    async with transaction(session, write=False):
        records = await load_records(session, slug, number, version_number, actor=actor)
        document = assemble(records)
        answered = await (flags or recorded_flags)(session, records)
        added = [section for provider in extras if (section := await provider(session, records))]
    return replace(document, flags=answered, extra_sections=tuple(added))
