"""The report document: one typed model of a synthesis version, read by every renderer.

A policymaker's report must be the same in every format, so no renderer reads the database
or computes a figure: the service (`reporting.build`) assembles this model from the study's
records once, and HTML, Markdown, JSON, CSV, DOCX, PDF and PROV-JSON only lay it out. The
model is frozen and holds tuples, never lists or ORM rows, so a template cannot lazy-load
and two renderers cannot see two different documents.

Every date in it comes from the records (when the version was drafted or published), never
from the clock, so the same records always give the same bytes. Sections another part of
the platform adds (prioritisation's ranked list, say) arrive as `ExtraSection` values in
`ReportDocument.extra_sections` (see `reporting.extensions`), without a change here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from symphonia.services.reporting.extensions import ExtraSection
from symphonia.services.reporting.methods_model import MethodsAppendix

SCHEMA = "symphonia.report/1"
"""Names the shape of the JSON export, so an archive can tell which reader it needs."""


@dataclass(frozen=True, slots=True)
class StudyInfo:
    slug: str
    title: str
    question: str
    description: str
    synthetic: bool
    anonymity: str
    """pseudonymous | named | anonymous: what the report may say about who wrote what."""


@dataclass(frozen=True, slots=True)
class RoundInfo:
    number: int
    kind: str
    status: str
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    evidence_round: int
    """The contribution round whose fragments this round's synthesis rests on."""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    number: int
    origin: str
    created_at: datetime.datetime
    approved_at: datetime.datetime | None
    published_at: datetime.datetime | None
    published_by: str | None
    """Who published it, as the publication records them."""
    parent_number: int | None
    drafter: str
    model: str | None

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass(frozen=True, slots=True)
class GuardFlag:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """What the faithfulness guard found about one statement; a flag is shown, never hidden."""

    ok: bool
    support: float | None
    flags: tuple[GuardFlag, ...]
    notes: tuple[str, ...]
    accepted: str | None = None
    """An editor's written justification for keeping the statement despite its flags."""


@dataclass(frozen=True, slots=True)
class GroupAgreement:
    group: str
    n: int
    percent_agreement: float
    percent_disagreement: float


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    """One rated item of the round and the statistics behind its call, as the analysis
    stored them (so the report's figures are the ones the guard checked)."""

    item_id: str
    text: str
    theme_key: str | None
    call: str
    """consensus | divisive | split | no_agreement | too_few (core.verdicts.ItemCall)."""
    consensus: bool
    direction: str | None
    headline: str
    n: int
    median: float | None
    iqr: float | None
    mean: float | None
    sd: float | None
    cv: float | None
    percent_agreement: float | None
    percent_disagreement: float | None
    agreement_band: tuple[int, int] | None
    participation: float | None
    distribution: tuple[tuple[int, int], ...]
    """(score, count) for every point of the scale, from the stored ratings and tallies."""
    groups: tuple[GroupAgreement, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StatementEntry:
    key: str
    theme_key: str | None
    section: str
    text: str
    strength: str
    origin: str
    citations: tuple[str, ...]
    guard: GuardVerdict
    items: tuple[str, ...]
    """Ids of the rated items whose figures stand behind this statement (its theme's)."""
    provisional: bool
    """A consensus called from content alone: no panel rating stands behind it yet."""


@dataclass(frozen=True, slots=True)
class ReportSection:
    """One of the synthesis's five sections, in reading order."""

    key: str
    title: str
    anchor: str
    statements: tuple[StatementEntry, ...]


@dataclass(frozen=True, slots=True)
class GroupCount:
    group: str
    contributors: int
    fragments: int


@dataclass(frozen=True, slots=True)
class Position:
    """One side of a contested issue: who holds it and the evidence they gave."""

    side: str
    fragment_ids: tuple[str, ...]
    contributors: int
    groups: tuple[GroupCount, ...]
    statements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContestedIssue:
    theme_key: str
    label: str
    positions: tuple[Position, ...]
    resolving_evidence: tuple[str, ...]
    """Fragments in which contributors say what is uncertain or what would settle it
    (uncertainties, caveats): the evidence they say would resolve the issue."""


@dataclass(frozen=True, slots=True)
class ThemeEntry:
    key: str
    label: str
    label_origin: str
    """extractive (from its central fragments) | llm (written by the model, guard-checked)."""
    keywords: tuple[str, ...]
    status: str
    reasons: tuple[str, ...]
    size: int
    contributors: int
    raters: int | None
    groups: tuple[str, ...]
    kind_mix: tuple[tuple[str, int], ...]
    mean_confidence: float
    fragment_ids: tuple[str, ...]
    representative_ids: tuple[str, ...]
    minority: str | None
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvidenceFragment:
    id: str
    kind: str
    text: str
    confidence: int
    group: str | None
    author: str | None
    """The pseudonym (or name, in a named study); None in an anonymous study."""
    sources: tuple[str, ...]
    theme_key: str | None
    """None for a singular view."""
    cited_by: tuple[str, ...]
    position: tuple[float, float] | None
    """Where the theme map draws it (stored with the analysis run), when known."""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    subject: str
    reason: str


@dataclass(frozen=True, slots=True)
class AmendmentEntry:
    """An editor's change that led to this version, with the reason (APPEND-ONLY record)."""

    version_number: int
    action: str
    before_key: str | None
    after_key: str | None
    before_text: str | None
    after_text: str | None
    editor: str
    reason: str
    at: datetime.datetime


@dataclass(frozen=True, slots=True)
class AnsweredFlag:
    """A panellist's flag that a statement misrepresents them, and the editors' answer."""

    statement_key: str
    raised_by: str | None
    raised_at: datetime.datetime
    comment: str
    answer: str
    """amended | kept."""
    answer_reason: str
    answered_by: str
    answered_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class FlagsRecord:
    """Answered flags, or why there are none to show: `recorded` is False while the
    platform keeps no flags at all, so "none" is never confused with "not asked"."""

    recorded: bool
    note: str
    flags: tuple[AnsweredFlag, ...]
    unanswered: int = 0
    """Flags on this version (or its ancestors) the editors have not answered yet."""


@dataclass(frozen=True, slots=True)
class Overview:
    text: str
    origin: str
    guard: GuardVerdict | None


@dataclass(frozen=True, slots=True)
class RatingRecord:
    """One stored rating, for the analysts' CSV (rater as anonymity allows)."""

    round: int
    item_id: str
    rater: str | None
    group: str | None
    score: int


@dataclass(frozen=True, slots=True)
class RoundItemAgreement:
    """An item's agreement in one rating round, for the chart of consensus across rounds."""

    round: int
    item_id: str
    n: int
    percent_agreement: float
    median: float


@dataclass(frozen=True, slots=True)
class ReportDocument:
    schema: str
    study: StudyInfo
    round: RoundInfo
    version: VersionInfo
    issued_at: datetime.datetime
    """The moment the report speaks for: publication, else the draft's creation."""
    overview: Overview | None
    sections: tuple[ReportSection, ...]
    contested: tuple[ContestedIssue, ...]
    themes: tuple[ThemeEntry, ...]
    singular_views: tuple[str, ...]
    items: tuple[ItemStatistics, ...]
    """Every rated item of this round, in theme order, then those outside any theme."""
    history: tuple[RoundItemAgreement, ...]
    """Agreement per item in every rating round up to this one."""
    ratings: tuple[RatingRecord, ...]
    ledger: tuple[LedgerEntry, ...]
    amendments: tuple[AmendmentEntry, ...]
    flags: FlagsRecord
    evidence: tuple[EvidenceFragment, ...]
    """Every fragment of the evidence round, sorted by id: cited or not, nothing hidden."""
    methods: MethodsAppendix
    extra_sections: tuple[ExtraSection, ...] = ()

    def statement(self, key: str) -> StatementEntry:
        for section in self.sections:
            for entry in section.statements:
                if entry.key == key:
                    return entry
        raise KeyError(key)

    @property
    def statements(self) -> tuple[StatementEntry, ...]:
        return tuple(s for section in self.sections for s in section.statements)

    def fragment(self, fragment_id: str) -> EvidenceFragment:
        for fragment in self.evidence:
            if fragment.id == fragment_id:
                return fragment
        raise KeyError(fragment_id)

    def item(self, item_id: str) -> ItemStatistics:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise KeyError(item_id)
