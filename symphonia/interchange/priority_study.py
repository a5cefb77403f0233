"""The ``[prioritise]`` section of a study file, and where in the file each field is.

Shape (criteria scales default to ``[protocol.scale]``)::

    [study]
    kind = "prioritise"

    [prioritise]
    items = "items.jsonl"        # candidate items; leave out to curate them from round-1
                                 # action fragments (`symphonia priorities promote`)
    rule = "weighted_mean"       # weighted_mean | weighted_median
    weights_total = 1            # the weights must add up to this (1, or 100 for percent)
    min_judged_weight = 0.5      # share of the weight a rater must judge to score an item
    confidence = 0.95            # bootstrap interval
    bootstrap_samples = 2000
    seed = 0
    top = 5                      # the top N, for the sensitivity and the bootstrap

    [[prioritise.criteria]]
    id = "impact"
    name = "Impact on children's outcomes"
    weight = 0.3
    direction = "benefit"        # benefit | cost (a higher score makes it less of a priority)
    scale = { min = 1, max = 9 }
    description = "..."

A facilitator edits this by hand, and a refused weight is easier to fix at its line, so the
problems of this section name the line they are on (:func:`toml_field_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

from symphonia.core.errors import Problem
from symphonia.core.fragments import InvalidInput
from symphonia.core.priorities.definition import (
    AggregationRule,
    Criterion,
    Direction,
    Prioritisation,
    PriorityItem,
)
from symphonia.core.protocol import RatingScale
from symphonia.interchange.priorities import try_read_priority_items
from symphonia.interchange.toml_models import TOML_CONFIG, choice, enum_values


class _Scale(BaseModel):
    model_config = TOML_CONFIG
    min: int
    max: int


class _Criterion(BaseModel):
    model_config = TOML_CONFIG
    id: str
    name: str
    weight: float
    scale: _Scale | None = None
    direction: Annotated[str, choice(enum_values(Direction), "direction")] = "benefit"
    description: str = ""


class PrioritiseSection(BaseModel):
    model_config = TOML_CONFIG
    items: str | None = None
    rule: Annotated[str, choice(enum_values(AggregationRule), "aggregation rule")] = "weighted_mean"
    weights_total: float = 1.0
    min_judged_weight: float = 0.5
    confidence: float = 0.95
    bootstrap_samples: int = 2000
    seed: int = 0
    top: int = 5
    criteria: list[_Criterion] = Field(default_factory=list)


FileCheck = Callable[[Path, str], "str | None"]
"""Why a relative path cannot be one of the study's files (None when it can): the study
file's own rule, passed in so a section defined here checks paths as the rounds' are."""


def prioritisation_from_section(
    section: PrioritiseSection, default_scale: RatingScale, base_dir: Path, file_check: FileCheck
) -> tuple[Prioritisation, list[tuple[str, str]], list[Problem]]:
    """The definition (unchecked; see :func:`prioritisation_problems`), the problems of the
    section by field, and the problems found in its items file (located at their lines)."""
    problems: list[tuple[str, str]] = []
    criteria = []
    for i, c in enumerate(section.criteria):
        scale = default_scale
        if c.scale is not None:
            try:
                scale = RatingScale(c.scale.min, c.scale.max)
            except InvalidInput as exc:
                problems.append((f"prioritise.criteria[{i}].{exc.field_name}", exc.reason))
        criteria.append(
            Criterion(c.id, c.name, c.weight, scale, Direction(c.direction), c.description)
        )
    located: list[Problem] = []
    items: tuple[PriorityItem, ...] = ()
    if section.items is not None:
        reason = file_check(base_dir, section.items)
        if reason is not None:
            problems.append(("prioritise.items", reason))
        else:
            read = try_read_priority_items(base_dir / section.items)
            located = [issue.problem(read.file) for issue in read.issues]
            items = tuple(read.records)
    definition = Prioritisation(
        criteria=tuple(criteria),
        items=items,
        items_file=section.items,
        rule=AggregationRule(section.rule),
        weights_total=section.weights_total,
        min_judged_weight=section.min_judged_weight,
        confidence=section.confidence,
        bootstrap_samples=section.bootstrap_samples,
        seed=section.seed,
        top=section.top,
    )
    return definition, problems, located


_TABLE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\s]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")
_INLINE_KEY = re.compile(r"([A-Za-z0-9_\-]+)\s*=")


def toml_field_lines(text: str) -> dict[str, int]:
    """Dotted field path (``prioritise.criteria[2].weight``) → the 1-based line it is on.

    A line-oriented reading of the TOML layout a study file uses (tables, arrays of tables,
    ``key = value`` lines, one-line inline tables); a table's own path maps to its header
    line, so a problem about a whole table (``prioritise.criteria``) points at its first
    header. Paths it cannot place are simply absent: the problem is still reported, without
    a line. Multi-line strings are skipped so their contents are never read as keys.
    """
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    prefix = ""
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        if (table := _TABLE.match(line)) is not None:
            name = re.sub(r"\s+", "", table.group(2))
            if table.group(1) == "[[":
                lines.setdefault(name, number)
                counts[name] = counts.get(name, -1) + 1
                name = f"{name}[{counts[name]}]"
            else:
                name = _indexed(name, counts)
            prefix = name
            lines.setdefault(prefix, number)
            continue
        if (key := _KEY.match(line)) is not None:
            path = f"{prefix}.{key.group(1)}" if prefix else key.group(1)
            lines.setdefault(path, number)
            rest = line[key.end() :]
            if rest.strip().startswith("{"):
                for inner in _INLINE_KEY.findall(rest):
                    lines.setdefault(f"{path}.{inner}", number)
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_string = quote
    return lines


def _indexed(name: str, counts: dict[str, int]) -> str:
    """`prioritise.criteria.scale` under the 3rd criterion is `prioritise.criteria[2].scale`."""
    parts = name.split(".")
    out = ""
    for part in parts:
        out = f"{out}.{part}" if out else part
        if out in counts:
            out = f"{out}[{counts[out]}]"
    return out


def line_of(lines: dict[str, int], field: str) -> int | None:
    """The line of `field`, or of the nearest enclosing table or key the file has."""
    path = field
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None
