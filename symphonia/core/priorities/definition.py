"""What a prioritisation study fixes before anyone scores: its criteria, weights and rule.

A prioritisation Delphi asks "which of these comes first?", so the panel scores each
candidate item on each criterion (impact, feasibility, cost, ...) and the criteria's weights
turn those scores into one score per item. Weights decide the answer as much as the scores
do, which is why they are pre-registered with the protocol and locked when round 1 opens:
weights tuned after the scores are in would let anyone pick the winner.

The facilitator writes the weights, so they are checked as written: they must add up to
:attr:`Prioritisation.weights_total` (1 for shares, 100 for percentages). A set that adds up
to 1.05 is a typo, not a choice, and silently normalising it would hide which weight was
meant to be smaller. Every problem comes back as ``(field, reason)`` with the field as the
study file names it (``prioritise.criteria[2].weight``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from symphonia.core.protocol import MAX_SEED, RatingScale
from symphonia.core.text_rules import (
    MAX_LABEL_CHARS,
    MAX_TITLE_CHARS,
    Problem,
    id_problem,
    text_problems,
    too_long,
)

MAX_DESCRIPTION_CHARS = 2000
"""An item's or criterion's description: a short paragraph a rater reads in the form."""
MAX_CRITERIA = 12
MAX_ITEMS = 200
"""A panel can score a few dozen items on a handful of criteria; past these the form is a
spreadsheet nobody fills in honestly."""
WEIGHT_TOLERANCE = 1e-6
"""Relative slack when comparing the weights' sum with the total (0.1 + 0.2 is not 0.3 in
binary floating point)."""


class AggregationRule(enum.StrEnum):
    """How the raters' weighted scores of an item become the item's score."""

    WEIGHTED_MEAN = "weighted_mean"
    """The mean over raters of each rater's weighted score (the usual MCDA sum)."""
    WEIGHTED_MEDIAN = "weighted_median"
    """The median over raters: one enthusiast or one sceptic cannot move it much."""


class Direction(enum.StrEnum):
    """Whether a higher score on a criterion makes an item more or less of a priority."""

    BENEFIT = "benefit"
    """Higher is better (impact, feasibility, data readiness)."""
    COST = "cost"
    """Higher is worse (cost, risk): the score is reversed before it is weighted."""


@dataclass(frozen=True, slots=True)
class Criterion:
    """One thing every item is scored on, with its weight and scale."""

    id: str
    name: str
    weight: float
    scale: RatingScale = RatingScale()
    direction: Direction = Direction.BENEFIT
    description: str = ""

    def normalised(self, score: int) -> float:
        """`score` on 0–1 (1 = best for the item), so criteria on other scales combine."""
        share = (score - self.scale.minimum) / (self.scale.maximum - self.scale.minimum)
        return 1.0 - share if self.direction is Direction.COST else share


@dataclass(frozen=True, slots=True)
class PriorityItem:
    """A candidate the panel may put first: a use case, a dataset, a standard."""

    id: str
    title: str
    description: str = ""
    fragment_ids: tuple[str, ...] = ()
    """Round-1 fragments the item was curated from (empty when given in a file)."""


@dataclass(frozen=True, slots=True)
class Prioritisation:
    """The pre-registered part of a prioritisation study, and its items when a file gives them."""

    criteria: tuple[Criterion, ...]
    items: tuple[PriorityItem, ...] = ()
    """The candidate items declared in the study's items file (none: curated later from
    round-1 ``action`` fragments)."""
    items_file: str | None = field(default=None, compare=False)
    """Relative path of the items file, as the study file names it."""
    rule: AggregationRule = AggregationRule.WEIGHTED_MEAN
    weights_total: float = 1.0
    """What the criteria's weights must add up to: 1 (shares) or 100 (percentages)."""
    min_judged_weight: float = 0.5
    """A rater's weighted score of an item needs the criteria they could judge to carry at
    least this share of the total weight; otherwise the rater could not judge the item."""
    confidence: float = 0.95
    bootstrap_samples: int = 2000
    seed: int = 0
    """Seeds the bootstrap, so the same scores always give the same intervals."""
    top: int = 5
    """How many items count as "the top" for the weight sensitivity and the bootstrap."""

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    @property
    def weights(self) -> dict[str, float]:
        return {c.id: c.weight for c in self.criteria}


def prioritisation_problems(p: Prioritisation, prefix: str = "prioritise") -> list[Problem]:
    """Every problem of a definition, by the field the study file gives it."""
    problems = _settings_problems(p, prefix)
    problems += _criteria_problems(p, prefix)
    problems += item_problems(p.items, f"{prefix}.items")
    return problems


def _settings_problems(p: Prioritisation, prefix: str) -> list[Problem]:
    found: list[Problem] = []
    numbers = {
        "weights_total": p.weights_total,
        "min_judged_weight": p.min_judged_weight,
        "confidence": p.confidence,
    }
    for name, value in numbers.items():
        if not math.isfinite(value):
            found.append((f"{prefix}.{name}", f"must be a finite number, got {value}"))
    if math.isfinite(p.weights_total) and p.weights_total <= 0:
        found.append((f"{prefix}.weights_total", "must be above 0 (1 for shares, 100 for %)"))
    if math.isfinite(p.min_judged_weight) and not 0 < p.min_judged_weight <= 1:
        found.append((f"{prefix}.min_judged_weight", "must be above 0 and at most 1"))
    if math.isfinite(p.confidence) and not 0.5 <= p.confidence <= 0.999:
        found.append((f"{prefix}.confidence", "must be between 0.5 and 0.999"))
    if not 100 <= p.bootstrap_samples <= 100_000:
        found.append((f"{prefix}.bootstrap_samples", "must be from 100 to 100000"))
    if not 0 <= p.seed <= MAX_SEED:
        found.append((f"{prefix}.seed", f"must be from 0 to {MAX_SEED}"))
    if p.top < 1:
        found.append((f"{prefix}.top", "must be at least 1"))
    return found


def _criteria_problems(p: Prioritisation, prefix: str) -> list[Problem]:
    found: list[Problem] = []
    if not p.criteria:
        return [(f"{prefix}.criteria", "needs at least one criterion")]
    if len(p.criteria) > MAX_CRITERIA:
        found.append((f"{prefix}.criteria", f"has {len(p.criteria)}; the most is {MAX_CRITERIA}"))
    seen: dict[str, int] = {}
    weights_ok = True
    for i, c in enumerate(p.criteria):
        where = f"{prefix}.criteria[{i}]"
        if (reason := id_problem(c.id)) is not None:
            found.append((f"{where}.id", reason))
        elif c.id in seen:
            found.append(
                (f"{where}.id", f"duplicate criterion {c.id!r} (see criteria[{seen[c.id]}])")
            )
        seen.setdefault(c.id, i)
        found += _text(where, c.name, c.description, MAX_LABEL_CHARS, "name")
        if not math.isfinite(c.weight) or c.weight <= 0:
            found.append((f"{where}.weight", f"must be a number above 0, got {c.weight}"))
            weights_ok = False
    if weights_ok and math.isfinite(p.weights_total) and p.weights_total > 0:
        total = math.fsum(c.weight for c in p.criteria)
        if abs(total - p.weights_total) > WEIGHT_TOLERANCE * p.weights_total:
            terms = " + ".join(f"{c.weight:g}" for c in p.criteria)
            found.append(
                (
                    f"{prefix}.criteria",
                    f"the weights ({terms}) sum to {total:g}; rule {p.rule.value} needs them to "
                    f"sum to weights_total = {p.weights_total:g}",
                )
            )
    return found


def item_problems(items: tuple[PriorityItem, ...], prefix: str) -> list[Problem]:
    """Ids, duplicates and texts of candidate items (`prefix` names where they were given)."""
    found: list[Problem] = []
    if len(items) > MAX_ITEMS:
        found.append((prefix, f"has {len(items)} items; the most is {MAX_ITEMS}"))
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        where = f"{prefix}[{i}]"
        if (reason := id_problem(item.id)) is not None:
            found.append((f"{where}.id", reason))
        elif item.id in seen:
            found.append(
                (f"{where}.id", f"duplicate item {item.id!r} (see {prefix}[{seen[item.id]}])")
            )
        seen.setdefault(item.id, i)
        found += _text(where, item.title, item.description, MAX_TITLE_CHARS, "title")
        refs = [(f"{where}.fragment_ids[{n}]", f) for n, f in enumerate(item.fragment_ids)]
        found += text_problems(refs)
    return found


def _text(where: str, label: str, description: str, limit: int, name: str) -> list[Problem]:
    found: list[Problem] = []
    if not label.strip():
        found.append((f"{where}.{name}", "must not be empty"))
    elif (reason := too_long(label, limit)) is not None:
        found.append((f"{where}.{name}", reason))
    if (reason := too_long(description, MAX_DESCRIPTION_CHARS)) is not None:
        found.append((f"{where}.description", reason))
    found += text_problems([(f"{where}.{name}", label), (f"{where}.description", description)])
    return found


def settings_to_dict(p: Prioritisation) -> dict[str, Any]:
    """The locked part (rule, settings, criteria; not the items) as plain JSON, stored with
    the study and compared field by field by the lock rule."""
    return {
        "rule": p.rule.value,
        "weights_total": p.weights_total,
        "min_judged_weight": p.min_judged_weight,
        "confidence": p.confidence,
        "bootstrap_samples": p.bootstrap_samples,
        "seed": p.seed,
        "top": p.top,
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "weight": c.weight,
                "scale": {"min": c.scale.minimum, "max": c.scale.maximum},
                "direction": c.direction.value,
                "description": c.description,
            }
            for c in p.criteria
        ],
    }


def settings_from_dict(
    data: Mapping[str, Any], items: tuple[PriorityItem, ...] = ()
) -> Prioritisation:
    """Inverse of :func:`settings_to_dict`, with the items given separately."""
    default = Prioritisation(criteria=())
    criteria = tuple(
        Criterion(
            id=str(c["id"]),
            name=str(c["name"]),
            weight=float(c["weight"]),
            scale=RatingScale(int(c["scale"]["min"]), int(c["scale"]["max"])),
            direction=Direction(c.get("direction", Direction.BENEFIT.value)),
            description=str(c.get("description", "")),
        )
        for c in data.get("criteria", [])
    )
    return Prioritisation(
        criteria=criteria,
        items=items,
        rule=AggregationRule(data.get("rule", default.rule.value)),
        weights_total=float(data.get("weights_total", default.weights_total)),
        min_judged_weight=float(data.get("min_judged_weight", default.min_judged_weight)),
        confidence=float(data.get("confidence", default.confidence)),
        bootstrap_samples=int(data.get("bootstrap_samples", default.bootstrap_samples)),
        seed=int(data.get("seed", default.seed)),
        top=int(data.get("top", default.top)),
    )
