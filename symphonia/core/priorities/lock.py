"""What a study file may still change in a prioritisation study: the lock rule's part for it.

The criteria, their weights and scales, and the aggregation settings are part of the
protocol: fixed when round 1 opens (weights chosen after the scores are in could pick the
winner). The candidate items are fixed when the first *rating* round opens: from then on
people have scored them, and an item renamed or dropped would make their scores mean
something else. When the items are curated from round-1 ``action`` fragments, round 1 is a
contribute round and the items can only exist after it, so they lock at the first rating
round, not at round 1; when a file gives them, round 1 is usually that rating round.
Pure, like :mod:`symphonia.core.study_lock`, which calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from symphonia.core.priorities.definition import Prioritisation, settings_to_dict
from symphonia.core.text_rules import Problem

Shown = Callable[[object, object], str]


def rating_round_opened(rounds: Collection[tuple[int, str]], opened: Collection[int]) -> bool:
    """Whether a rate round has opened; `rounds` are (number, kind value) pairs."""
    return any(kind == "rate" and number in opened for number, kind in rounds)


def _by_id(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Criteria keyed by id, so a reordered list is no change and a change names its id."""
    out = {k: v for k, v in settings.items() if k != "criteria"}
    out["criteria"] = {
        c["id"]: {k: v for k, v in c.items() if k != "id"} for c in settings["criteria"]
    }
    return out


def leaves(data: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """{"scale": {"max": 9}} -> {"protocol.scale.max": 9}: a change names its field (the lock
    rule compares the protocol this way too)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        out.update(leaves(value, name) if isinstance(value, Mapping) else {name: value})
    return out


def locked_priority_changes(
    recorded: Prioritisation | None,
    wanted: Prioritisation | None,
    *,
    items_locked: bool,
    shown: Shown,
) -> list[Problem]:
    """Refused changes to the settings and criteria (always: the caller calls this once
    round 1 has opened) and, once `items_locked`, to the items the file declares. `shown`
    words a value change (the lock rule's ``old → new``)."""
    if recorded is None or wanted is None:
        return []  # a change of study kind: refused as such by the caller
    refused: list[Problem] = []
    old_ids = {c.id for c in recorded.criteria}
    new_ids = {c.id for c in wanted.criteria}
    for criterion in sorted(new_ids - old_ids):
        refused.append((f"prioritise.criteria.{criterion}", "is new; the criteria are fixed"))
    for criterion in sorted(old_ids - new_ids):
        reason = "is missing from the file; the criteria are fixed"
        refused.append((f"prioritise.criteria.{criterion}", reason))
    old = leaves(_by_id(settings_to_dict(recorded)), "prioritise")
    new = leaves(_by_id(settings_to_dict(wanted)), "prioritise")
    for name in sorted(set(old) & set(new)):
        if old[name] != new[name]:
            refused.append((name, shown(old[name], new[name])))
    if items_locked:
        refused += _item_changes(recorded, wanted, shown)
    return refused


def _item_changes(recorded: Prioritisation, wanted: Prioritisation, shown: Shown) -> list[Problem]:
    before = {i.id: i for i in recorded.items}
    refused: list[Problem] = []
    for item in wanted.items:
        old = before.pop(item.id, None)
        if old is None:
            refused.append((f"prioritise.items.{item.id}", "is new; the items are fixed once "
                            "a rating round has opened"))  # fmt: skip
            continue
        for name in ("title", "description", "fragment_ids"):
            if getattr(old, name) != getattr(item, name):
                change = shown(getattr(old, name), getattr(item, name))
                refused.append((f"prioritise.items.{item.id}.{name}", change))
    for item_id in before:
        refused.append(
            (
                f"prioritise.items.{item_id}",
                "is missing from the items file; an item the panel has scored cannot be removed",
            )
        )
    return refused
