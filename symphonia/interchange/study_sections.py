"""The sections of ``study.toml`` (all but ``[prioritise]``: :mod:`.priority_study`) as
strict models, pydantic's refusals reworded in the file's terms, and the study definition
built from a validated file.

Kept apart from :mod:`symphonia.studyfiles`, which reads the file, guards it (size, encoding,
nesting, paths) and gathers every problem: this is the file's shape and its translation
into the core's types, the part that grows with each new field.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field

from symphonia.core.fragments import InvalidInput
from symphonia.core.priorities.definition import Prioritisation
from symphonia.core.protocol import (
    MAX_ROUNDS,
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
    Panellist,
    ParticipantRole,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
    StudyKind,
)
from symphonia.interchange.priority_study import PrioritiseSection
from symphonia.interchange.toml_models import TOML_CONFIG, choice, enum_values, show


class _Model(BaseModel):
    model_config = TOML_CONFIG


class _StudySection(_Model):
    kind: Annotated[str, choice(enum_values(StudyKind), "study kind")] = "delphi"
    id: str
    title: str
    question: str
    description: str = ""
    synthetic: bool = False
    anonymity: Annotated[str, choice(enum_values(Anonymity), "anonymity")] = "pseudonymous"


class _Group(_Model):
    id: str
    name: str


class _Panellist(_Model):
    pseudonym: str
    group: str | None = None
    role: Annotated[str, choice(enum_values(ParticipantRole), "role")] = "expert"
    name: str | None = None


class _Scale(_Model):
    min: int = 1
    max: int = 9


class _Stopping(_Model):
    max_rounds: int = Field(default=3, ge=1, le=MAX_ROUNDS)
    cv_change_below: float = Field(default=0.15, ge=0)
    require_nonsignificant_wilcoxon: bool = True


class _OpinionGrouping(_Model):
    min_ratings: int = 7
    max_groups: int = 5
    seed: int = 0


class _Feedback(_Model):
    by_group: bool = False
    comments: bool = False


class ProtocolSection(_Model):
    rule: Annotated[str, choice(enum_values(ConsensusRule), "rule")] = "percent_iqr"
    agreement_threshold: float = Field(default=0.7)
    max_iqr: float = Field(default=2.0)
    min_participation: float = Field(default=0.6)
    min_group_agreement: float = Field(default=0.5)
    min_item_ratings: int = 1
    participation_base: Annotated[
        str, choice(enum_values(ParticipationBase), "participation base")
    ] = "panel"
    group_basis: Annotated[str, choice(enum_values(GroupBasis), "group basis")] = "stakeholder"
    opinion_grouping: _OpinionGrouping = _OpinionGrouping()
    feedback: _Feedback = _Feedback()
    scale: _Scale = _Scale()
    stopping: _Stopping = _Stopping()


class _Round(_Model):
    number: int = Field(ge=1, le=MAX_ROUNDS)
    kind: Annotated[str, choice(enum_values(RoundKind), "round kind")]
    opens: date | None = Field(default=None, strict=False)
    closes: date | None = Field(default=None, strict=False)
    fragments: str | None = None
    ratings: str | None = None
    items: str | None = None
    scores: str | None = None


class StudyFileModel(_Model):
    """The whole file: each section strict (unknown fields refused, no coercion)."""

    study: _StudySection
    groups: list[_Group] = []
    panel: list[_Panellist] = []
    protocol: ProtocolSection = ProtocolSection()
    rounds: list[_Round] = []
    prioritise: PrioritiseSection | None = None


_TYPE_REASONS = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "string_type": "must be a string (in quotes)",
    "bool_type": "must be true or false",
    "model_type": "must be a table",
    "list_type": "must be an array",
}


def toml_reason(error: Any) -> str:
    """Pydantic's error, reworded in the terms of the TOML file."""
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in _TYPE_REASONS:
        return f"{_TYPE_REASONS[kind]}, got {show(error['input'])}"
    if kind == "greater_than_equal":
        return f"must be at least {error['ctx']['ge']}, got {show(error['input'])}"
    if kind == "less_than_equal":
        return f"must be at most {error['ctx']['le']}, got {show(error['input'])}"
    if kind.startswith(("date_", "datetime_")):
        return f"must be a date such as 2025-01-31, got {show(error['input'])}"
    return str(error["msg"]).removeprefix("Value error, ")


def protocol_from_section(p: ProtocolSection) -> tuple[Protocol, list[tuple[str, str]]]:
    """The protocol, or a stand-in and the problem (so the rest of the file is still checked)."""
    stopping = StoppingRule(
        max_rounds=p.stopping.max_rounds,
        cv_change_below=p.stopping.cv_change_below,
        require_nonsignificant_wilcoxon=p.stopping.require_nonsignificant_wilcoxon,
    )
    try:
        protocol = Protocol(
            scale=RatingScale(minimum=p.scale.min, maximum=p.scale.max),
            rule=ConsensusRule(p.rule),
            agreement_threshold=p.agreement_threshold,
            max_iqr=p.max_iqr,
            min_participation=p.min_participation,
            min_group_agreement=p.min_group_agreement,
            stopping=stopping,
            min_item_ratings=p.min_item_ratings,
            participation_base=ParticipationBase(p.participation_base),
            group_basis=GroupBasis(p.group_basis),
            opinion_grouping=OpinionGrouping(
                min_ratings=p.opinion_grouping.min_ratings,
                max_groups=p.opinion_grouping.max_groups,
                seed=p.opinion_grouping.seed,
            ),
            feedback=Feedback(by_group=p.feedback.by_group, comments=p.feedback.comments),
        )
    except InvalidInput as exc:
        return Protocol(stopping=stopping), [(f"protocol.{exc.field_name}", exc.reason)]
    return protocol, []


def definition_from_model(
    model: StudyFileModel, protocol: Protocol, prioritise: Prioritisation | None, base_dir: Path
) -> StudyDefinition:
    """Build the definition unchecked: its problems are reported together by the caller."""
    return StudyDefinition(
        id=model.study.id,
        title=model.study.title,
        question=model.study.question,
        description=model.study.description,
        synthetic=model.study.synthetic,
        anonymity=Anonymity(model.study.anonymity),
        groups=tuple(StakeholderGroup(id=g.id, name=g.name) for g in model.groups),
        panel=tuple(
            Panellist(
                pseudonym=p.pseudonym, group=p.group, role=ParticipantRole(p.role), name=p.name
            )
            for p in model.panel
        ),
        rounds=tuple(
            RoundDefinition(
                number=r.number,
                kind=RoundKind(r.kind),
                opens=r.opens,
                closes=r.closes,
                fragments=r.fragments,
                ratings=r.ratings,
                items=r.items,
                scores=r.scores,
            )
            for r in model.rounds
        ),
        protocol=protocol,
        kind=StudyKind(model.study.kind),
        prioritise=prioritise,
        base_dir=str(base_dir),
        check=False,
    )
