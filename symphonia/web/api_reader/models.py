"""What the readers' and flags API reads and writes, as typed models in the OpenAPI schema.

Contributors appear as the study's anonymity allows (the services decide): a pseudonym, a
name and pseudonym in a `named` study, nothing (null) in an anonymous one.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

from msgspec import Meta, Struct

from symphonia.core.compare import Agreement, SideStatement, StatementChange
from symphonia.services.flag_answers import EditorFlag
from symphonia.services.flag_panel_view import CitedStatement, MyStatements
from symphonia.services.flags import FlagView
from symphonia.services.reading import PublishedList, StatementEvidence, VersionComparison
from symphonia.services.reporting import ReportDocument
from symphonia.services.reporting.model import ItemStatistics

ChangeName = Literal["added", "removed", "reworded", "moved", "unchanged"]


class PublishedVersionOut(Struct):
    round: int
    round_kind: str
    version: int
    published_at: datetime.datetime
    statements: int
    ref: Annotated[str, Meta(description="round.version, as `compare` takes it.")]


class PublishedListOut(Struct):
    study: str
    title: str
    versions: list[PublishedVersionOut]

    @classmethod
    def of(cls, listing: PublishedList) -> PublishedListOut:
        return cls(
            listing.study.slug,
            listing.study.title,
            [
                PublishedVersionOut(
                    v.round, v.round_kind, v.version, v.published_at, v.statements, v.ref
                )
                for v in listing.versions
            ],
        )


class ReaderStatementOut(Struct):
    key: str
    section: str
    text: str
    citations: list[str]


class VersionOut(Struct):
    study: str
    question: str
    round: int
    version: int
    published_at: datetime.datetime | None
    statements: list[ReaderStatementOut]
    flags_answered: int
    flags_unanswered: int
    downloads: Annotated[dict[str, str], Meta(description="Format -> download path.")]

    @classmethod
    def of(cls, doc: ReportDocument, downloads: dict[str, str]) -> VersionOut:
        return cls(
            doc.study.slug,
            doc.study.question,
            doc.round.number,
            doc.version.number,
            doc.version.published_at,
            [
                ReaderStatementOut(s.key, s.section, s.text, list(s.citations))
                for s in doc.statements
            ],
            len(doc.flags.flags),
            doc.flags.unanswered,
            downloads,
        )


class EvidenceFragmentOut(Struct):
    id: str
    kind: str
    text: str
    confidence: int
    contributor: Annotated[str | None, Meta(description="As the study's anonymity allows.")]
    group: str | None


class ItemFiguresOut(Struct):
    item_id: str
    call: str
    n: int
    median: float | None
    iqr: float | None
    percent_agreement: float | None

    @classmethod
    def of(cls, i: ItemStatistics) -> ItemFiguresOut:
        return cls(i.item_id, i.call, i.n, i.median, i.iqr, i.percent_agreement)


class EvidenceOut(Struct):
    key: str
    section: str
    text: str
    fragments: list[EvidenceFragmentOut]
    ratings: list[ItemFiguresOut]

    @classmethod
    def of(cls, ev: StatementEvidence) -> EvidenceOut:
        st = ev.statement
        return cls(
            st.key,
            st.section,
            st.text,
            [
                EvidenceFragmentOut(f.id, f.kind, f.text, f.confidence, f.author, f.group)
                for f in ev.fragments
            ],
            [ItemFiguresOut.of(i) for i in ev.items],
        )


class AgreementOut(Struct):
    n: int
    median: float | None
    iqr: float | None
    percent_agreement: float | None
    call: str

    @classmethod
    def of(cls, a: Agreement | None) -> AgreementOut | None:
        return None if a is None else cls(a.n, a.median, a.iqr, a.percent_agreement, a.call)


class SideOut(Struct):
    section: str
    text: str
    citations: list[str]
    agreement: AgreementOut | None


class ChangeOut(Struct):
    kind: ChangeName
    key: str
    before: SideOut | None
    after: SideOut | None
    moved: bool
    diff: Annotated[str | None, Meta(description="Word diff: [-removed-] {+added+}.")]
    reasons: list[str]
    note: Annotated[str | None, Meta(description="Lineage: merged into / split from.")]
    agreement_change: Annotated[float | None, Meta(description="Percentage points.")]

    @classmethod
    def of(cls, c: StatementChange) -> ChangeOut:
        def side(s: SideStatement | None) -> SideOut | None:
            if s is None:
                return None
            return SideOut(s.section, s.text, list(s.citations), AgreementOut.of(s.agreement))

        return cls(
            c.kind.value,
            c.key,
            side(c.before),
            side(c.after),
            c.moved,
            c.diff,
            list(c.reasons),
            c.note,
            c.agreement_change,
        )


class ComparisonOut(Struct):
    before: str
    after: str
    counts: dict[str, int]
    changes: list[ChangeOut]

    @classmethod
    def of(cls, v: VersionComparison) -> ComparisonOut:
        return cls(
            v.before.ref,
            v.after.ref,
            {k.value: n for k, n in v.comparison.counts.items()},
            [ChangeOut.of(c) for c in v.comparison.changes],
        )


class FlagOut(Struct):
    id: uuid.UUID
    round: int
    version: int
    statement: str
    statement_text: str
    comment: str
    raised_at: datetime.datetime
    raised_by: Annotated[str | None, Meta(description="Editors' view only, as anonymity allows.")]
    answer: Literal["amended", "kept"] | None
    answer_reason: str | None
    amendment_version: int | None
    answered_by: str | None
    answered_at: datetime.datetime | None

    @classmethod
    def of(cls, f: FlagView) -> FlagOut:
        return cls(
            f.id,
            f.round,
            f.version,
            f.statement_key,
            f.statement_text,
            f.comment,
            f.raised_at,
            f.raised_by,
            f.answer.value if f.answer else None,
            f.answer_reason,
            f.amendment_version,
            f.answered_by,
            f.answered_at,
        )


class CitedStatementOut(Struct):
    round: int
    version: int
    published: bool
    key: str
    section: str
    text: str
    my_fragments: list[str]
    flags: list[FlagOut]

    @classmethod
    def of(cls, c: CitedStatement) -> CitedStatementOut:
        return cls(
            c.round,
            c.version,
            c.published,
            c.key,
            c.section.value,
            c.text,
            [f.id for f in c.fragments],
            [FlagOut.of(f) for f in c.flags],
        )


class MyStatementsOut(Struct):
    study: str
    pseudonym: str
    statements: list[CitedStatementOut]

    @classmethod
    def of(cls, m: MyStatements) -> MyStatementsOut:
        return cls(m.study_slug, m.pseudonym, [CitedStatementOut.of(c) for c in m.statements])


class FlagIn(Struct):
    round: int
    version: int
    statement: str
    comment: Annotated[str, Meta(description="Required; at most 2000 characters.")]


class AnswerOptionOut(Struct):
    version: int
    action: str
    reason: str


class EditorFlagOut(Struct):
    flag: FlagOut
    amendments: Annotated[
        list[AnswerOptionOut], Meta(description="Amendments that may answer it (by version).")
    ]

    @classmethod
    def of(cls, e: EditorFlag) -> EditorFlagOut:
        return cls(
            FlagOut.of(e.flag),
            [AnswerOptionOut(o.version, o.action.value, o.reason) for o in e.options],
        )


class AnswerIn(Struct):
    answer: Literal["amended", "kept"]
    reason: Annotated[str, Meta(description="Required to keep; a note when amended.")] = ""
    amendment_version: Annotated[
        int | None, Meta(description="The version whose amendment answers it (amended).")
    ] = None
