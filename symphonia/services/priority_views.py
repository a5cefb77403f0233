"""The report of one rating round of a prioritisation study, as a typed read model.

Built by :func:`symphonia.services.priority_report.build_priority_report`, read by every
renderer (Markdown, JSON, the charts; later the web page and the unified report model of the
reports issue). Frozen and free of ORM rows, as every read model is. Scores are on 0–100;
ranks are competition ranks (ties share a rank); group ranks are keyed by group id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from symphonia.core.priorities.definition import Criterion


@dataclass(frozen=True, slots=True)
class CriterionInfo:
    id: str
    name: str
    weight: float
    direction: str
    minimum: int
    maximum: int
    description: str

    @classmethod
    def of(cls, c: Criterion) -> CriterionInfo:
        scale = c.scale
        return cls(
            c.id, c.name, c.weight, c.direction.value, scale.minimum, scale.maximum, c.description
        )


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: str
    name: str
    raters: int
    """Raters of the group who scored anything this round."""


@dataclass(frozen=True, slots=True)
class Methods:
    rule: str
    weights_total: float
    min_judged_weight: float
    confidence: float
    bootstrap_samples: int
    seed: int
    top: int


@dataclass(frozen=True, slots=True)
class PriorityRow:
    rank: int | None
    item: str
    title: str
    description: str
    score: float | None
    interval: tuple[float, float] | None
    top_share: float
    """Share of bootstrap panels that put the item in the top N."""
    schulze_rank: int
    borda_points: float
    borda_rank: int
    raters: int
    answered: int
    cannot_judge: Mapping[str, int]
    criterion_means: Mapping[str, float | None]
    group_ranks: Mapping[str, int | None]
    fragment_ids: tuple[str, ...]
    previous_rank: int | None = None
    rank_change: int | None = None
    """Places gained since the previous rating round (negative: lost)."""
    shift_p_value: float | None = None
    """Wilcoxon signed-rank test of the raters' weighted scores against the previous round."""
    shifted: bool = False


@dataclass(frozen=True, slots=True)
class Agreement:
    """Kendall's W on the raters' rankings (None fields when it could not be computed)."""

    w: float | None
    chi2: float | None
    df: int | None
    p_value: float | None
    raters: int
    dropped_raters: int
    note: str | None


@dataclass(frozen=True, slots=True)
class GroupSplit:
    item: str
    title: str
    spread: int
    highest: tuple[str, ...]
    highest_rank: int
    lowest: tuple[str, ...]
    lowest_rank: int


@dataclass(frozen=True, slots=True)
class Scenario:
    criterion: str
    factor: float
    top: tuple[str, ...]
    entered: tuple[str, ...]
    left: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WeightSensitivity:
    top_n: int
    baseline: tuple[str, ...]
    robust: tuple[str, ...]
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True, slots=True)
class CannotJudge:
    item: str
    title: str
    criterion: str
    count: int
    answered: int
    """Raters who answered anything about the item (the count's denominator)."""


@dataclass(frozen=True, slots=True)
class Stability:
    previous_round: int
    tau: float | None
    tau_p_value: float | None
    moved: int
    shifted: int
    previous_agreement: float | None


@dataclass(frozen=True, slots=True)
class StudyHeader:
    id: str
    title: str
    question: str
    synthetic: bool


@dataclass(frozen=True, slots=True)
class PriorityReport:
    study: StudyHeader
    round_number: int
    round_status: str
    panel_size: int
    raters: int
    criteria: tuple[CriterionInfo, ...]
    groups: tuple[GroupInfo, ...]
    methods: Methods
    priorities: tuple[PriorityRow, ...]
    agreement: Agreement
    schulze_levels: tuple[tuple[str, ...], ...]
    splits: tuple[GroupSplit, ...]
    """Every item ranked by two groups or more, largest spread first."""
    sensitivity: WeightSensitivity
    cannot_judge: tuple[CannotJudge, ...]
    """Every (item, criterion) with a "cannot judge", most first."""
    stability: Stability | None

    def row(self, item: str) -> PriorityRow:
        return next(r for r in self.priorities if r.item == item)

    def title_of(self, item: str) -> str:
        return self.row(item).title
