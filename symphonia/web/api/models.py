"""What the experts' API reads and writes: the interchange fragment object (DESIGN.md §6)
and a round, as typed models the OpenAPI schema describes field by field.

The models only shape JSON; what a fragment must be (non-empty text, confidence 1 to 5, at
most 20 sources...) is checked by the services, which list every problem at once.
"""

from __future__ import annotations

import datetime
from typing import Annotated

from litestar.params import KwargDefinition
from msgspec import Meta, Struct

from symphonia.core.fragments import (
    CONFIDENCE_LABELS,
    FRAGMENT_KINDS,
    KIND_EXPLANATIONS,
    KIND_LABELS,
    FragmentKind,
    kinds_described,
)
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.services.expert_round import Contribution, VersionState
from symphonia.services.overview import RoundDetail
from symphonia.services.submission_rules import FragmentDraftInput, FragmentView

Kind = Annotated[
    FragmentKind,
    Meta(description="What the fragment is, as its author declares it:\n" + kinds_described()),
]
Confidence = Annotated[
    int,
    Meta(
        description="How sure the author is, from 1 to 5: "
        + "; ".join(f"{n} {label.lower()}" for n, label in CONFIDENCE_LABELS.items())
    ),
]


KindText = Annotated[
    str,
    KwargDefinition(
        description="What the fragment is, as its author declares it:\n" + kinds_described(),
        enum=list(FRAGMENT_KINDS),
    ),
]
"""A kind as received: read as text, so an unknown kind is listed with the body's other
problems (by the service) instead of stopping the reading at the first."""


class FragmentIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """A fragment to submit or a new version of one: the interchange fragment object. The
    author is the caller (the API token's holder); `id` is assigned by the server."""

    kind: KindText
    text: Annotated[str, Meta(description="One piece of evidence, in the author's words.")]
    confidence: Confidence = 3
    sources: Annotated[
        list[str], Meta(description="Where the evidence comes from: links or references.")
    ] = []
    question: Annotated[
        str | None, Meta(description="An optional short topic the fragment answers.")
    ] = None
    author: Annotated[
        str | None,
        Meta(description="Leave out, or give your own pseudonym: anything else is refused."),
    ] = None
    group: Annotated[
        str | None,
        Meta(description="Leave out, or give your own stakeholder group; others are refused."),
    ] = None
    id: Annotated[
        str | None,
        Meta(
            description="Assigned by the server: leave it out when submitting; when revising "
            "(PUT), it may repeat the id in the path."
        ),
    ] = None

    def draft(self) -> FragmentDraftInput:
        return FragmentDraftInput(
            kind=self.kind,
            text=self.text,
            confidence=self.confidence,
            sources=tuple(self.sources),
            question=self.question,
            author=self.author,
            group=self.group,
        )


class FragmentOut(Struct, kw_only=True):
    """One of the caller's fragments as stored: the interchange object, with its history."""

    id: Annotated[str, Meta(description="The fragment's id in the round (assigned).")]
    author: Annotated[str, Meta(description="The author's pseudonym: always the caller.")]
    kind: Kind
    text: str
    confidence: Confidence
    sources: list[str]
    question: str | None
    created_at: Annotated[datetime.datetime, Meta(description="When this version was stored.")]
    state: Annotated[
        VersionState,
        Meta(
            description="`submitted` or `edited` (current), `superseded` (replaced by a later "
            "version) or `withdrawn` (left out of the analysis)."
        ),
    ]
    supersedes: Annotated[
        str | None, Meta(description="The id of the version this one replaced, if an edit.")
    ]
    superseded_by: Annotated[
        str | None, Meta(description="The id of the version that replaced this one, if any.")
    ]
    versions: Annotated[int, Meta(description="How many versions the fragment has had.")]
    withdrawn_at: datetime.datetime | None

    @classmethod
    def new(cls, f: FragmentView) -> FragmentOut:
        """A fragment just stored: its first version, current (no query needed)."""
        never = Contribution(f, VersionState.SUBMITTED, 1, None, None, None)
        return cls.of(never)

    @classmethod
    def of(cls, c: Contribution) -> FragmentOut:
        f = c.fragment
        return cls(
            id=f.id,
            author=f.author,
            kind=f.kind,
            text=f.text,
            confidence=f.confidence,
            sources=list(f.sources),
            question=f.question,
            created_at=f.created_at,
            state=c.state,
            supersedes=f.supersedes,
            superseded_by=c.superseded_by,
            versions=c.versions,
            withdrawn_at=c.withdrawn_at,
        )


class FragmentList(Struct, kw_only=True):
    """The caller's fragments in a round: the latest version of each, oldest first."""

    fragments: list[FragmentOut]


class KindOut(Struct, kw_only=True):
    kind: FragmentKind
    label: str
    explanation: str


class RoundOut(Struct, kw_only=True):
    """A round of a study: its question, its kind and whether it takes fragments now."""

    study: Annotated[str, Meta(description="The study's id (slug).")]
    title: str
    question: Annotated[str, Meta(description="The question the panel answers.")]
    description: str
    number: int
    kind: Annotated[RoundKind, Meta(description="`contribute` (fragments) or `rate`.")]
    status: Annotated[RoundStatus, Meta(description="draft, open, closed, analysed, published")]
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    accepting_fragments: Annotated[
        bool, Meta(description="Whether fragments can be submitted, edited or withdrawn now.")
    ]
    fragment_kinds: list[KindOut]

    @classmethod
    def of(cls, detail: RoundDetail) -> RoundOut:
        study, rnd = detail.study, detail.round
        return cls(
            study=study.slug,
            title=study.title,
            question=study.question,
            description=study.description,
            number=rnd.number,
            kind=rnd.kind,
            status=rnd.status,
            opens_at=rnd.opens_at,
            closes_at=rnd.closes_at,
            accepting_fragments=rnd.kind is RoundKind.CONTRIBUTE and rnd.status is RoundStatus.OPEN,
            fragment_kinds=[
                KindOut(kind=k, label=KIND_LABELS[k], explanation=KIND_EXPLANATIONS[k])
                for k in FragmentKind
            ],
        )


class ProblemOut(Struct, kw_only=True):
    location: Annotated[str, Meta(description="`body`, `header`, `path` or `query`.")]
    field: Annotated[str, Meta(description="The field, e.g. `text` or `sources[2]`.")]
    reason: str


class Refusal(Struct, kw_only=True):
    """Why a request was refused; `problems` lists every problem of a refused input (422)."""

    status_code: int
    detail: str
    problems: list[ProblemOut] = []
