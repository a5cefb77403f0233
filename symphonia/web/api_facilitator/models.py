"""What the facilitators' API reads and writes, as typed models the OpenAPI schema describes.

The models only shape JSON; the rules (a coherent study, a usable protocol, a valid panel
list) are the services', which refuse with every problem listed as
``{status_code, detail, problems: [{location, field, reason}]}``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from symphonia.core.protocol import (
    ConsensusRule,
    Feedback,
    GroupBasis,
    OpinionGrouping,
    ParticipationBase,
    Protocol,
    RatingScale,
    StoppingRule,
)
from symphonia.core.study import (
    Anonymity,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.services.overview import StudySummary
from symphonia.services.protocol import ProtocolView
from symphonia.services.run_views import RunView
from symphonia.services.studies import LoadOutcome
from symphonia.services.views import RoundView


class Refused(Struct):
    """A refusal: the status, what went wrong, and each problem of a refused input."""

    status_code: int
    detail: str
    problems: list[dict[str, str]] = []


class GroupIn(Struct, forbid_unknown_fields=True):
    id: Annotated[str, Meta(description="Short id, used in the panel list's `group` column.")]
    name: str


class RoundPlan(Struct, forbid_unknown_fields=True):
    number: Annotated[int, Meta(description="Rounds are numbered 1, 2, 3, ... in order.")]
    kind: Literal["contribute", "rate"]
    opens: datetime.date | None = None
    closes: datetime.date | None = None


class StudyIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """A new study. The caller's account must be allowed to create studies; it becomes the
    study's facilitator."""

    id: Annotated[str, Meta(description="Permanent short id used in links, e.g. `icb-2026`.")]
    title: str
    question: str
    description: str = ""
    anonymity: Literal["pseudonymous", "named", "anonymous"] = "pseudonymous"
    groups: list[GroupIn] = []
    rounds: list[RoundPlan] = []

    def definition(self) -> StudyDefinition:
        return StudyDefinition(
            id=self.id,
            title=self.title,
            question=self.question,
            description=self.description,
            anonymity=Anonymity(self.anonymity),
            groups=tuple(StakeholderGroup(g.id, g.name) for g in self.groups),
            rounds=tuple(
                RoundDefinition(r.number, RoundKind(r.kind), r.opens, r.closes) for r in self.rounds
            ),
            check=False,
        )


class LoadIn(Struct, forbid_unknown_fields=True):
    folder: Annotated[
        str, Meta(description="A folder name from `GET /api/v1/study-folders`, never a path.")
    ]


class StudyOut(Struct):
    id: str
    title: str
    question: str
    anonymity: str
    protocol_locked_at: datetime.datetime | None
    created: bool
    changed: bool

    @classmethod
    def of(cls, outcome: LoadOutcome) -> StudyOut:
        s = outcome.study
        return cls(
            s.slug,
            s.title,
            s.question,
            s.anonymity.value,
            s.protocol_locked_at,
            outcome.created,
            outcome.changed,
        )


class StudySummaryOut(Struct):
    id: str
    title: str
    question: str
    roles: Annotated[list[str], Meta(description="The caller's roles in the study.")]
    rounds: list[RoundStateOut]


class StudyList(Struct):
    studies: list[StudySummaryOut]

    @classmethod
    def of(cls, found: Sequence[StudySummary]) -> StudyList:
        return cls(
            [
                StudySummaryOut(
                    s.study.slug,
                    s.study.title,
                    s.study.question,
                    sorted(r.value for r in s.roles),
                    [RoundStateOut.of(r) for r in s.rounds],
                )
                for s in found
            ]
        )


class FolderOut(Struct):
    name: str
    study_id: str | None
    title: str | None
    problem: Annotated[str | None, Meta(description="Why it cannot be loaded, if it cannot.")]


class FolderList(Struct):
    folders: list[FolderOut]


class ScaleBody(Struct, forbid_unknown_fields=True):
    min: int = 1
    max: int = 9


class StoppingBody(Struct, forbid_unknown_fields=True):
    max_rounds: int = 3
    cv_change_below: float = 0.15
    require_nonsignificant_wilcoxon: bool = True


class OpinionGroupingBody(Struct, forbid_unknown_fields=True):
    min_ratings: int = 7
    max_groups: int = 5
    seed: int = 0


class FeedbackBody(Struct, forbid_unknown_fields=True):
    """What rating rounds show of the previous one, beyond the panel's distribution, median
    and IQR and the expert's own previous rating (always shown)."""

    by_group: Annotated[
        bool, Meta(description="Split the distribution by stakeholder group (needs groups).")
    ] = False
    comments: Annotated[
        bool, Meta(description="Show the panel's comments of the previous round, unnamed.")
    ] = False


class ProtocolBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """The whole protocol (fields left out take their defaults). Shares are fractions:
    `agreement_threshold: 0.7` is 70 %."""

    rule: Literal["percent_iqr", "rand_ucla"] = "percent_iqr"
    scale: ScaleBody = field(default_factory=ScaleBody)
    agreement_threshold: float = 0.7
    max_iqr: float = 2.0
    min_participation: float = 0.6
    min_group_agreement: float = 0.5
    min_item_ratings: int = 1
    participation_base: Literal["panel", "shown"] = "panel"
    group_basis: Literal["stakeholder", "opinion"] = "stakeholder"
    stopping: StoppingBody = field(default_factory=StoppingBody)
    opinion_grouping: OpinionGroupingBody = field(default_factory=OpinionGroupingBody)
    feedback: FeedbackBody = field(default_factory=FeedbackBody)

    def protocol(self) -> Protocol:
        """Built unchecked: the service lists every broken rule at once."""
        return Protocol(
            scale=RatingScale(self.scale.min, self.scale.max, check=False),
            rule=ConsensusRule(self.rule),
            agreement_threshold=self.agreement_threshold,
            max_iqr=self.max_iqr,
            min_participation=self.min_participation,
            min_group_agreement=self.min_group_agreement,
            stopping=StoppingRule(
                self.stopping.max_rounds,
                self.stopping.cv_change_below,
                self.stopping.require_nonsignificant_wilcoxon,
            ),
            min_item_ratings=self.min_item_ratings,
            participation_base=ParticipationBase(self.participation_base),
            group_basis=GroupBasis(self.group_basis),
            opinion_grouping=OpinionGrouping(
                self.opinion_grouping.min_ratings,
                self.opinion_grouping.max_groups,
                self.opinion_grouping.seed,
            ),
            feedback=Feedback(self.feedback.by_group, self.feedback.comments),
            check=False,
        )

    @classmethod
    def of(cls, p: Protocol) -> ProtocolBody:
        og = p.opinion_grouping
        return cls(
            rule="rand_ucla" if p.rule is ConsensusRule.RAND_UCLA else "percent_iqr",
            scale=ScaleBody(p.scale.minimum, p.scale.maximum),
            agreement_threshold=p.agreement_threshold,
            max_iqr=p.max_iqr,
            min_participation=p.min_participation,
            min_group_agreement=p.min_group_agreement,
            min_item_ratings=p.min_item_ratings,
            participation_base="shown"
            if p.participation_base is ParticipationBase.SHOWN
            else "panel",
            group_basis="opinion" if p.group_basis is GroupBasis.OPINION else "stakeholder",
            stopping=StoppingBody(
                p.stopping.max_rounds,
                p.stopping.cv_change_below,
                p.stopping.require_nonsignificant_wilcoxon,
            ),
            opinion_grouping=OpinionGroupingBody(og.min_ratings, og.max_groups, og.seed),
            feedback=FeedbackBody(p.feedback.by_group, p.feedback.comments),
        )


class ProtocolOut(Struct):
    protocol: ProtocolBody
    locked_at: Annotated[
        datetime.datetime | None, Meta(description="When round 1 opened and it locked.")
    ]
    editable: Annotated[bool, Meta(description="Whether the caller may change it now.")]

    @classmethod
    def of(cls, view: ProtocolView) -> ProtocolOut:
        return cls(ProtocolBody.of(view.protocol), view.locked_at, view.may_edit)


class RoundStateOut(Struct):
    study: str
    number: int
    kind: str
    status: str
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None

    @classmethod
    def of(cls, r: RoundView) -> RoundStateOut:
        return cls(r.study_slug, r.number, r.kind.value, r.status.value, r.opens_at, r.closes_at)


class AnalysisIn(Struct, forbid_unknown_fields=True):
    drafter: Annotated[
        Literal["extractive", "llm"],
        Meta(description="`extractive` (offline, the panel's own words) or `llm`."),
    ] = "extractive"


class RunOut(Struct):
    id: uuid.UUID
    study: str
    round: int
    status: Literal["pending", "running", "succeeded", "failed"]
    drafter: str
    progress: dict[str, object]
    error: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    attempts: int
    version: Annotated[int | None, Meta(description="The synthesis version it stored.")]
    themes: int
    singular_views: int
    url: str

    @classmethod
    def of(cls, run: RunView) -> RunOut:
        return cls(
            run.id,
            run.study_slug,
            run.round_number,
            run.status.value,
            str(run.options.get("drafter", "extractive")),
            dict(run.progress),
            run.error,
            run.created_at,
            run.started_at,
            run.finished_at,
            run.attempts,
            run.version_number,
            run.themes,
            run.singular_views,
            f"/api/v1/studies/{run.study_slug}/runs/{run.id}",
        )
