"""The protocol form: a protocol shown as form values, and form values read into a protocol.

Shares are shown and typed as percentages (70 %, not 0.7): that is how protocols are
written in papers. A value that is not a number is refused here, beside its field; the
rules between values (thresholds, the scale, the round cap) are the service's, and each
problem it names (``stopping.max_rounds``) comes back beside its field too.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from symphonia.core.errors import Problem, RejectedInput
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
from symphonia.web.forms import FormState, errors_from_refusal, read_form


class Kind(enum.Enum):
    WHOLE = "a whole number"
    NUMBER = "a number"
    PERCENT = "a percentage"
    CHOICE = "one of the choices"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    """The form field."""
    path: str
    """The protocol field it sets, as the core names it (``stopping.max_rounds``)."""
    kind: Kind


FIELDS = (
    Field("rule", "rule", Kind.CHOICE),
    Field("scale_min", "scale", Kind.WHOLE),
    Field("scale_max", "scale", Kind.WHOLE),
    Field("agreement_threshold", "agreement_threshold", Kind.PERCENT),
    Field("max_iqr", "max_iqr", Kind.NUMBER),
    Field("min_participation", "min_participation", Kind.PERCENT),
    Field("min_group_agreement", "min_group_agreement", Kind.PERCENT),
    Field("min_item_ratings", "min_item_ratings", Kind.WHOLE),
    Field("participation_base", "participation_base", Kind.CHOICE),
    Field("group_basis", "group_basis", Kind.CHOICE),
    Field("max_rounds", "stopping.max_rounds", Kind.WHOLE),
    Field("cv_change_below", "stopping.cv_change_below", Kind.NUMBER),
    Field("wilcoxon", "stopping.require_nonsignificant_wilcoxon", Kind.CHOICE),
    Field("og_min_ratings", "opinion_grouping.min_ratings", Kind.WHOLE),
    Field("og_max_groups", "opinion_grouping.max_groups", Kind.WHOLE),
    Field("og_seed", "opinion_grouping.seed", Kind.WHOLE),
    Field("feedback_groups", "feedback.by_group", Kind.CHOICE),
    Field("feedback_comments", "feedback.comments", Kind.CHOICE),
)
NAMES = tuple(f.name for f in FIELDS)
CHOICES: dict[str, tuple[str, ...]] = {
    "rule": tuple(r.value for r in ConsensusRule),
    "participation_base": tuple(b.value for b in ParticipationBase),
    "group_basis": tuple(b.value for b in GroupBasis),
    "wilcoxon": ("yes", "no"),
    "feedback_groups": ("yes", "no"),
    "feedback_comments": ("yes", "no"),
}
FIELD_OF_PATH = {f.path: f.name for f in reversed(FIELDS)} | {
    "scale.min": "scale_min",
    "scale.max": "scale_max",
}
"""The form field each protocol path is shown beside ("scale": the first of its two)."""


def _percent(share: float) -> str:
    return f"{share * 100:g}"


def form_values(protocol: Protocol) -> FormState:
    """The protocol as the form shows it."""
    og = protocol.opinion_grouping
    values = {
        "rule": protocol.rule.value,
        "scale_min": str(protocol.scale.minimum),
        "scale_max": str(protocol.scale.maximum),
        "agreement_threshold": _percent(protocol.agreement_threshold),
        "max_iqr": f"{protocol.max_iqr:g}",
        "min_participation": _percent(protocol.min_participation),
        "min_group_agreement": _percent(protocol.min_group_agreement),
        "min_item_ratings": str(protocol.min_item_ratings),
        "participation_base": protocol.participation_base.value,
        "group_basis": protocol.group_basis.value,
        "max_rounds": str(protocol.stopping.max_rounds),
        "cv_change_below": f"{protocol.stopping.cv_change_below:g}",
        "wilcoxon": "yes" if protocol.stopping.require_nonsignificant_wilcoxon else "no",
        "og_min_ratings": str(og.min_ratings),
        "og_max_groups": str(og.max_groups),
        "og_seed": str(og.seed),
        "feedback_groups": "yes" if protocol.feedback.by_group else "no",
        "feedback_comments": "yes" if protocol.feedback.comments else "no",
    }
    return FormState(values=MappingProxyType(values))


def _value(field: Field, text: str) -> Any:
    """The typed value, or raise ValueError with the message to show."""
    if field.kind is Kind.CHOICE:
        if text not in CHOICES[field.name]:
            raise ValueError("Choose one of the options")
        return text
    cleaned = text.strip().removesuffix("%").strip()
    if not cleaned:
        raise ValueError(f"Enter {field.kind.value}")
    try:
        number = int(cleaned) if field.kind is Kind.WHOLE else float(cleaned)
    except ValueError:
        raise ValueError(f"Enter {field.kind.value}, such as {_example(field)}") from None
    if not math.isfinite(number):
        raise ValueError(f"Enter {field.kind.value}, such as {_example(field)}")
    return number / 100 if field.kind is Kind.PERCENT else number


def _example(field: Field) -> str:
    return {Kind.WHOLE: "3", Kind.NUMBER: "1.5", Kind.PERCENT: "70"}.get(field.kind, "")


def read_protocol_form(data: dict[str, Any]) -> tuple[FormState, Protocol | None]:
    """The form and the protocol it describes, built unchecked (None: a value is no number)."""
    form = read_form(data, NAMES)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in FIELDS:
        try:
            values[field.name] = _value(field, form.values[field.name])
        except ValueError as wrong:
            errors[field.name] = str(wrong)
    form = form.with_errors(errors)
    if form.failed:
        return form, None
    protocol = Protocol(
        scale=RatingScale(values["scale_min"], values["scale_max"], check=False),
        rule=ConsensusRule(values["rule"]),
        agreement_threshold=values["agreement_threshold"],
        max_iqr=values["max_iqr"],
        min_participation=values["min_participation"],
        min_group_agreement=values["min_group_agreement"],
        stopping=StoppingRule(
            max_rounds=values["max_rounds"],
            cv_change_below=values["cv_change_below"],
            require_nonsignificant_wilcoxon=values["wilcoxon"] == "yes",
        ),
        min_item_ratings=values["min_item_ratings"],
        participation_base=ParticipationBase(values["participation_base"]),
        group_basis=GroupBasis(values["group_basis"]),
        opinion_grouping=OpinionGrouping(
            values["og_min_ratings"], values["og_max_groups"], values["og_seed"]
        ),
        feedback=Feedback(
            by_group=values["feedback_groups"] == "yes",
            comments=values["feedback_comments"] == "yes",
        ),
        check=False,
    )
    return form, protocol


def errors_for(refusal: RejectedInput) -> dict[str, str]:
    """The service's problems beside the fields they name."""
    placed = [
        Problem(p.location, FIELD_OF_PATH.get(p.field, "rule"), p.reason) for p in refusal.problems
    ]
    return errors_from_refusal(RejectedInput(refusal.summary, placed), NAMES, "rule")
