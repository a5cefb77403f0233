"""The study's pre-registered protocol: rating scale, consensus rule, participation and stopping.

A Delphi study is only credible if the rule that decides "consensus" is fixed before anyone
sees the ratings, so the protocol is a value object that the services lock when round 1 opens.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import InitVar, dataclass
from typing import Any

from symphonia.core.fragments import InvalidInput

MAX_ROUNDS = 50
"""Most rounds a study may declare (``stopping.max_rounds``), and so the highest round number:
a Delphi study runs two to four rounds. Round numbers beyond it are refused as such wherever
they come in (a study file, a command's argument), never sent to the database, whose integer
columns stop at 2**31 - 1 on PostgreSQL (2**63 - 1 on SQLite)."""

MAX_SCALE_BOUND = 1000
"""Scale ends must lie within ±1000, and a scale has at most 101 points (0–100, a visual
analogue scale); scores are stored as integers and a scale of 10**30 points means nothing."""
MAX_SCALE_POINTS = 101

MAX_SEED = 2**32 - 1
"""The largest seed k-means takes (NumPy's random state); a larger one would fail the analysis
long after the study file was accepted."""


class ConsensusRule(enum.StrEnum):
    """How rated items are called consensus or not."""

    PERCENT_IQR = "percent_iqr"
    """Share of ratings in the agreement band ≥ `agreement_threshold`, and IQR ≤ `max_iqr`."""

    RAND_UCLA = "rand_ucla"
    """RAND/UCLA appropriateness method: median band, disagreement when IPR > IPRAS."""


class GroupBasis(enum.StrEnum):
    """Which groups the per-group rules compare (every group must hold a consensus; opposing
    groups make an item divisive)."""

    STAKEHOLDER = "stakeholder"
    """The panel's declared stakeholder groups (who people are): the Delphi default."""

    OPINION = "opinion"
    """Opinion groups formed at analysis time from the rating matrix (how people rated), by
    PCA and k-means as Polis forms them: for panels with no declared groups, such as Polis
    conversations (see :mod:`symphonia.pipeline.opinion_groups`)."""


class ParticipationBase(enum.StrEnum):
    """Whom an item's participation is measured against."""

    PANEL = "panel"
    """Every item is put to every panellist (a Delphi round): raters / panel size."""

    SHOWN = "shown"
    """Each participant is shown a sample of the items (Polis): raters / those shown the item.
    A platform that records no "seen but skipped" counts as shown exactly those who rated it
    (for Polis, a pass is a vote), so participation is complete by construction and the
    floor that matters is :attr:`Protocol.min_item_ratings`."""


@dataclass(frozen=True, slots=True)
class OpinionGrouping:
    """How opinion groups are formed when :attr:`Protocol.group_basis` is OPINION.

    The defaults are Polis's own: a participant is placed once they have rated 7 items (or
    every item, when there are fewer), and k runs from 2 to 5, chosen by silhouette.
    """

    min_ratings: int = 7
    max_groups: int = 5
    seed: int = 0
    """Seeds k-means, so the same ratings always give the same groups."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """What a rating round shows each expert of the previous rating round (Delphi's
    controlled feedback). The panel's distribution, median and IQR and the expert's own
    previous rating are always shown; these add what a study may choose to show or withhold.
    Fixed with the protocol: what the panel sees between rounds shapes how it moves."""

    by_group: bool = False
    """Also split the distribution by stakeholder group (needs declared groups)."""
    comments: bool = False
    """Also show the panel's comments of the previous round, without who wrote them."""


@dataclass(frozen=True, slots=True)
class RatingScale:
    """An integer Likert-type scale, e.g. 1–9 (RAND/UCLA) or 1–5."""

    minimum: int = 1
    maximum: int = 9
    check: InitVar[bool] = True
    """False defers the check to :func:`protocol_problems` (a form reports every problem)."""

    def __post_init__(self, check: bool) -> None:
        if check and (found := self.problem()) is not None:
            raise InvalidInput(*found)

    def problem(self) -> tuple[str, str] | None:
        """The first rule the scale breaks, as (dotted field, reason); None when usable."""
        for name, value in (("scale.min", self.minimum), ("scale.max", self.maximum)):
            if not -MAX_SCALE_BOUND <= value <= MAX_SCALE_BOUND:
                return name, f"must be between -{MAX_SCALE_BOUND} and {MAX_SCALE_BOUND}"
        if self.maximum - self.minimum < 2:
            return "scale", "needs at least three points (maximum - minimum >= 2)"
        if self.points > MAX_SCALE_POINTS:
            return "scale", f"has {self.points} points; the most is {MAX_SCALE_POINTS}"
        return None

    @property
    def points(self) -> int:
        return self.maximum - self.minimum + 1

    def contains(self, score: float) -> bool:
        return float(score).is_integer() and self.minimum <= score <= self.maximum

    def agreement_band(self) -> tuple[int, int]:
        """The upper third of the scale (7–9 on 1–9, 4–5 on 1–5, 3 on 1–3)."""
        return (self.maximum - self._third() + 1, self.maximum)

    def disagreement_band(self) -> tuple[int, int]:
        """The lower third of the scale (1–3 on 1–9)."""
        return (self.minimum, self.minimum + self._third() - 1)

    def _third(self) -> int:
        """A third of the scale's points, rounded up: 3 of 9, 2 of 5, 1 of 3."""
        return -(-self.points // 3)


@dataclass(frozen=True, slots=True)
class StoppingRule:
    """When to stop running rounds: a cap, or stability of the panel's ratings."""

    max_rounds: int = 3
    cv_change_below: float = 0.15
    """Stop when no item's coefficient of variation moved by more than this between rounds."""
    require_nonsignificant_wilcoxon: bool = True
    """...and no item's ratings shifted significantly (Wilcoxon signed-rank, alpha 0.05)."""


@dataclass(frozen=True, slots=True)
class Protocol:
    """Everything that decides how ratings become a consensus call."""

    scale: RatingScale = RatingScale()
    rule: ConsensusRule = ConsensusRule.PERCENT_IQR
    agreement_threshold: float = 0.70
    max_iqr: float = 2.0
    min_participation: float = 0.6
    """Share of those the item was put to (see `participation_base`) that must rate it for
    its result to count."""
    min_group_agreement: float = 0.5
    """A consensus must reach at least this agreement in every group that rated. The same
    share defines a group's view: a group *holds* a view when at least this share of it rated
    at that end of the scale, and one group holding agreement while another holds rejection
    makes an item divisive."""
    stopping: StoppingRule = StoppingRule()
    min_item_ratings: int = 1
    """An item with fewer ratings than this is *too few to judge*: never consensus, never
    divisive, reported as a gap with its count. Below 10 ratings one rating moves a share by
    more than 10 points, so samples that small decide nothing (the Polis protocol uses 10)."""
    participation_base: ParticipationBase = ParticipationBase.PANEL
    group_basis: GroupBasis = GroupBasis.STAKEHOLDER
    opinion_grouping: OpinionGrouping = OpinionGrouping()
    feedback: Feedback = Feedback()

    check: InitVar[bool] = True
    """False defers the checks to :func:`protocol_problems`, so a form or an API call can be
    told every problem at once instead of only the first."""

    def __post_init__(self, check: bool) -> None:
        problems = protocol_problems(self) if check else []
        if problems:
            field_name, reason = problems[0]
            raise InvalidInput(field_name, reason)


_RULES: tuple[tuple[str, Callable[[Protocol], bool], str], ...] = (
    (
        "agreement_threshold",
        lambda p: 0.5 <= p.agreement_threshold <= 1.0,
        "must be between 0.5 and 1.0",
    ),
    ("max_iqr", lambda p: p.max_iqr >= 0, "must not be negative"),
    (
        "min_participation",
        lambda p: 0.0 < p.min_participation <= 1.0,
        "must be above 0 and at most 1",
    ),
    (
        "min_group_agreement",
        lambda p: 0.0 <= p.min_group_agreement <= 1.0,
        "must be between 0 and 1",
    ),
    (
        "stopping.max_rounds",
        lambda p: 1 <= p.stopping.max_rounds <= MAX_ROUNDS,
        f"must be from 1 to {MAX_ROUNDS}",
    ),
    ("stopping.cv_change_below", lambda p: p.stopping.cv_change_below >= 0, "must not be negative"),
    ("min_item_ratings", lambda p: p.min_item_ratings >= 1, "must be at least 1"),
    (
        "opinion_grouping.min_ratings",
        lambda p: p.opinion_grouping.min_ratings >= 1,
        "must be at least 1",
    ),
    (
        "opinion_grouping.max_groups",
        lambda p: 2 <= p.opinion_grouping.max_groups <= 9,
        "must be between 2 and 9",
    ),
    (
        "opinion_grouping.seed",
        lambda p: 0 <= p.opinion_grouping.seed <= MAX_SEED,
        f"must be from 0 to {MAX_SEED}",
    ),
)
"""Each field's rule: (dotted field, holds, reason when it does not)."""


def protocol_problems(protocol: Protocol) -> list[tuple[str, str]]:
    """Every rule the protocol breaks, as (dotted field, reason) pairs (none: it is usable).
    Non-finite numbers break every rule they touch (NaN compares false with everything)."""
    problems: list[tuple[str, str]] = [
        (name, f"must be a finite number, got {value}")
        for name, value in (
            ("agreement_threshold", protocol.agreement_threshold),
            ("max_iqr", protocol.max_iqr),
            ("min_participation", protocol.min_participation),
            ("min_group_agreement", protocol.min_group_agreement),
            ("stopping.cv_change_below", protocol.stopping.cv_change_below),
        )
        # NaN compares false with everything, so range checks alone let it through (and
        # PostgreSQL's JSON refuses it on write); inf is no threshold either.
        if not math.isfinite(value)
    ]
    if (found := protocol.scale.problem()) is not None:
        problems.append(found)
    finite = {name for name, _ in problems}
    problems += [
        (name, reason)
        for name, holds, reason in _RULES
        if name not in finite and not holds(protocol)
    ]
    return problems


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """A plain-JSON form, stored with the study and printed in every report.

    The fields added after the first release (item floor, participation base, group basis,
    opinion grouping) are written only when they differ from their defaults: a protocol
    stored before they existed then still compares equal to the same protocol read again,
    so a locked study is not refused for a change nobody made.
    """
    return {
        "rule": protocol.rule.value,
        "scale": {"min": protocol.scale.minimum, "max": protocol.scale.maximum},
        "agreement_threshold": protocol.agreement_threshold,
        "max_iqr": protocol.max_iqr,
        "min_participation": protocol.min_participation,
        "min_group_agreement": protocol.min_group_agreement,
        "stopping": {
            "max_rounds": protocol.stopping.max_rounds,
            "cv_change_below": protocol.stopping.cv_change_below,
            "require_nonsignificant_wilcoxon": protocol.stopping.require_nonsignificant_wilcoxon,
        },
        **_later_fields(protocol),
    }


def _later_fields(protocol: Protocol) -> dict[str, Any]:
    default = Protocol()
    out: dict[str, Any] = {}
    if protocol.min_item_ratings != default.min_item_ratings:
        out["min_item_ratings"] = protocol.min_item_ratings
    if protocol.participation_base is not default.participation_base:
        out["participation_base"] = protocol.participation_base.value
    if protocol.group_basis is not default.group_basis:
        out["group_basis"] = protocol.group_basis.value
    if protocol.opinion_grouping != default.opinion_grouping:
        grouping = protocol.opinion_grouping
        out["opinion_grouping"] = {
            "min_ratings": grouping.min_ratings,
            "max_groups": grouping.max_groups,
            "seed": grouping.seed,
        }
    if protocol.feedback != default.feedback:
        out["feedback"] = {
            "by_group": protocol.feedback.by_group,
            "comments": protocol.feedback.comments,
        }
    return out


def protocol_from_dict(data: Mapping[str, Any]) -> Protocol:
    """Inverse of `protocol_to_dict`; missing keys take the defaults."""
    scale = data.get("scale", {})
    stopping = data.get("stopping", {})
    grouping = data.get("opinion_grouping", {})
    feedback = data.get("feedback", {})
    default = Protocol()
    dg = default.opinion_grouping
    return Protocol(
        scale=RatingScale(int(scale.get("min", 1)), int(scale.get("max", 9))),
        rule=ConsensusRule(data.get("rule", default.rule.value)),
        agreement_threshold=float(data.get("agreement_threshold", default.agreement_threshold)),
        max_iqr=float(data.get("max_iqr", default.max_iqr)),
        min_participation=float(data.get("min_participation", default.min_participation)),
        min_group_agreement=float(data.get("min_group_agreement", default.min_group_agreement)),
        stopping=StoppingRule(
            max_rounds=int(stopping.get("max_rounds", default.stopping.max_rounds)),
            cv_change_below=float(
                stopping.get("cv_change_below", default.stopping.cv_change_below)
            ),
            require_nonsignificant_wilcoxon=bool(
                stopping.get(
                    "require_nonsignificant_wilcoxon",
                    default.stopping.require_nonsignificant_wilcoxon,
                )
            ),
        ),
        min_item_ratings=int(data.get("min_item_ratings", default.min_item_ratings)),
        participation_base=ParticipationBase(
            data.get("participation_base", default.participation_base.value)
        ),
        group_basis=GroupBasis(data.get("group_basis", default.group_basis.value)),
        opinion_grouping=OpinionGrouping(
            min_ratings=int(grouping.get("min_ratings", dg.min_ratings)),
            max_groups=int(grouping.get("max_groups", dg.max_groups)),
            seed=int(grouping.get("seed", dg.seed)),
        ),
        feedback=Feedback(
            by_group=bool(feedback.get("by_group", default.feedback.by_group)),
            comments=bool(feedback.get("comments", default.feedback.comments)),
        ),
    )
