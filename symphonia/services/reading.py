"""What readers (policymakers) read: a study's published versions, each statement followed to
its evidence, two versions compared, and the report downloaded in any format.

Issue 10 §6 and issue 12's download links (the web renders `published_report`'s document
with `symphonia.reports.formats`, as `symphonia export` does). Readers, and anyone else
with a role in the study (VIEW_PUBLISHED), read *published* versions only, here as
everywhere: a draft is refused as though it did not exist, even to an editor (the editor's
workspace is where drafts are read). Everything is read from the one report model
(`services.reporting.ReportDocument`), so the page, the API and every download say the
same, and who wrote a fragment is shown as the study's anonymity allows (pseudonym; name
and pseudonym in a `named` study; nothing in an anonymous one).
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.compare import Agreement, Comparison, SideStatement, compare, lineage_of
from symphonia.core.text_rules import clip
from symphonia.db.models import Amendment, Round, SynthesisVersion
from symphonia.services.errors import NotFound, Problem, RejectedInput
from symphonia.services.permissions import study_for
from symphonia.services.reporting import ReportDocument, build_report_document
from symphonia.services.reporting.model import (
    EvidenceFragment,
    ItemStatistics,
    ReportSection,
    StatementEntry,
)
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    round: int
    round_kind: str
    version: int
    published_at: datetime.datetime
    statements: int

    @property
    def ref(self) -> str:
        """How a comparison names it: ``round.version``."""
        return f"{self.round}.{self.version}"


@dataclass(frozen=True, slots=True)
class PublishedList:
    study: StudyView
    versions: tuple[PublishedVersion, ...]
    """Oldest first."""

    def latest_of(self, round_number: int) -> PublishedVersion | None:
        return next((v for v in reversed(self.versions) if v.round == round_number), None)


@dataclass(frozen=True, slots=True)
class StatementEvidence:
    """A statement followed to the fragments it cites, with their contributors and groups
    as the study's anonymity allows, and the agreement figures behind it."""

    document: ReportDocument
    statement: StatementEntry
    section: ReportSection
    fragments: tuple[EvidenceFragment, ...]
    items: tuple[ItemStatistics, ...]


@dataclass(frozen=True, slots=True)
class VersionComparison:
    study: StudyView
    before: PublishedVersion
    after: PublishedVersion
    comparison: Comparison


_REF = re.compile(r"^(\d{1,4})(?:\.(\d{1,6}))?$")


async def published_versions(session: AsyncSession, slug: str, *, actor: Actor) -> PublishedList:
    """The study's published versions, oldest first (VIEW_PUBLISHED)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_PUBLISHED)
        rows = await session.execute(
            select(SynthesisVersion, Round.number, Round.kind)
            .join(Round, Round.id == SynthesisVersion.round_id)
            .where(Round.study_id == study.id, SynthesisVersion.published_at.is_not(None))
            .order_by(Round.number, SynthesisVersion.number)
        )
        versions = tuple(
            PublishedVersion(number, kind.value, v.number, v.published_at, v.statement_count)
            for v, number, kind in rows.all()
            if v.published_at is not None
        )
        return PublishedList(StudyView.of(study), versions)


def _not_published(slug: str, number: int, version: int) -> NotFound:
    return NotFound(
        f"round {number} of {slug!r} has no published version {clip(str(version))}",
        code="unknown_version",
        context={"study": slug, "round": number, "version": version},
    )


async def published_report(
    session: AsyncSession, slug: str, number: int, version: int, *, actor: Actor
) -> ReportDocument:
    """The report of a published version; a draft is refused as though it did not exist."""
    try:
        document = await build_report_document(session, slug, number, version, actor=actor)
    except NotFound as missing:
        if missing.code in ("unknown_study", "unknown_round"):
            raise
        raise _not_published(slug, number, version) from None
    if document.version.published_at is None:
        raise _not_published(slug, number, version)
    return document


def _items_for(document: ReportDocument, entry: StatementEntry) -> tuple[ItemStatistics, ...]:
    by_id = {i.item_id: i for i in document.items}
    own = by_id.get(entry.key)
    if own is not None:
        return (own,)
    return tuple(by_id[i] for i in entry.items if i in by_id)


async def statement_evidence(
    session: AsyncSession, slug: str, number: int, version: int, key: str, *, actor: Actor
) -> StatementEvidence:
    document = await published_report(session, slug, number, version, actor=actor)
    for section in document.sections:
        for entry in section.statements:
            if entry.key == key:
                fragments = tuple(
                    document.fragment(fid)
                    for fid in entry.citations
                    if any(f.id == fid for f in document.evidence)
                )
                return StatementEvidence(
                    document, entry, section, fragments, _items_for(document, entry)
                )
    raise NotFound(
        f"version {version} of round {number} of {slug!r} has no statement {clip(repr(key))}",
        code="unknown_statement",
        context={"study": slug, "round": number, "version": version, "statement": key},
    )


def _agreement(document: ReportDocument, entry: StatementEntry) -> Agreement | None:
    items = _items_for(document, entry)
    if len(items) != 1:  # a theme's several items are no one statement's figure
        return None
    item = items[0]
    return Agreement(item.n, item.median, item.iqr, item.percent_agreement, item.call)


def _sides(document: ReportDocument) -> tuple[SideStatement, ...]:
    return tuple(
        SideStatement(s.key, s.section, s.text, s.citations, _agreement(document, s))
        for s in document.statements
    )


def _pick(listing: PublishedList, ref: str, field: str) -> PublishedVersion | Problem:
    found = _REF.fullmatch(ref.strip())
    chosen = None
    if found:
        number, version = int(found.group(1)), found.group(2)
        if version is None:
            chosen = listing.latest_of(number)
        else:
            wanted = f"{number}.{int(version)}"
            chosen = next((v for v in listing.versions if v.ref == wanted), None)
    if chosen is not None:
        return chosen
    known = ", ".join(v.ref for v in listing.versions) or "none is published yet"
    return Problem(
        "compare",
        field,
        f"{clip(repr(ref))} is not a published version (round.version or a round's number; "
        f"published: {known})",
    )


async def _chain_ids(session: AsyncSession, version_id: uuid.UUID | None) -> list[uuid.UUID]:
    out: list[uuid.UUID] = []
    current = version_id
    while current is not None and current not in out:
        out.append(current)
        current = await session.scalar(
            select(SynthesisVersion.parent_id).where(SynthesisVersion.id == current)
        )
    return out


async def _version_id(
    session: AsyncSession, study_id: uuid.UUID, ref: PublishedVersion
) -> uuid.UUID | None:
    return await session.scalar(
        select(SynthesisVersion.id)
        .join(Round, Round.id == SynthesisVersion.round_id)
        .where(
            Round.study_id == study_id,
            Round.number == ref.round,
            SynthesisVersion.number == ref.version,
        )
    )


async def _amendments_between(
    session: AsyncSession, study_id: uuid.UUID, a: PublishedVersion, b: PublishedVersion
) -> list[Mapping[str, object]]:
    """The amendments on the way to `b` that are not already behind `a`, oldest first."""
    async with transaction(session, write=False):
        a_id = await _version_id(session, study_id, a)
        b_id = await _version_id(session, study_id, b)
        behind_a = set(await _chain_ids(session, a_id))
        path = [v for v in await _chain_ids(session, b_id) if v not in behind_a]
        rows = await session.execute(
            select(Amendment.change, Amendment.reason, SynthesisVersion.number)
            .join(SynthesisVersion, SynthesisVersion.id == Amendment.version_id)
            .where(Amendment.version_id.in_(path))
            .order_by(SynthesisVersion.number, Amendment.created_at)
        )
        return [{"change": change, "reason": reason} for change, reason, _n in rows.all()]


async def compare_versions(
    session: AsyncSession, slug: str, before: str, after: str, *, actor: Actor
) -> VersionComparison:
    """Compare two published versions, named ``round.version`` (or a round's number: its
    latest published version), `before` the earlier in reading."""
    listing = await published_versions(session, slug, actor=actor)
    a, b = _pick(listing, before, "before"), _pick(listing, after, "after")
    problems = [p for p in (a, b) if isinstance(p, Problem)]
    if problems or not isinstance(a, PublishedVersion) or not isinstance(b, PublishedVersion):
        raise RejectedInput("the versions were not compared", problems)
    doc_a = await published_report(session, slug, a.round, a.version, actor=actor)
    doc_b = await published_report(session, slug, b.round, b.version, actor=actor)
    amendments = await _amendments_between(session, listing.study.id, a, b)
    result = compare(_sides(doc_a), _sides(doc_b), lineage_of(amendments))
    return VersionComparison(listing.study, a, b, result)


__all__ = [
    "PublishedList",
    "PublishedVersion",
    "StatementEvidence",
    "VersionComparison",
    "compare_versions",
    "published_report",
    "published_versions",
    "statement_evidence",
]
