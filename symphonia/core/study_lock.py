"""What a study file may still change once round 1 has opened: the rule, as a pure function.

Once round 1 opens, people have taken part under the study as it then stood: its question,
its protocol, its panel. Reports of closed rounds are built from that record (the study's
title and question head them; authors and groups attribute every quote; participation and
group agreement are computed over the panel), so changing it would rewrite the past while
looking like a typo fix. The rule:

Refused once round 1 has opened (each refused change is listed, and nothing is written):

- the study's title, question, description, ``synthetic`` flag and anonymity;
- the protocol, field by field;
- a stakeholder group's name, or a group dropped from the file;
- an existing panellist's role or group, their name in a named study (where reports show
  it), or a panellist dropped from the file (their contributions stand; a panellist is never
  removed);
- the kind or dates of a round that has opened, or such a round dropped from the file.

Allowed once round 1 has opened:

- a panellist's name in a pseudonymous study (it is shown nowhere; a correction is harmless);
- new stakeholder groups (a group nobody belongs to changes no result);
- new panellists, but only while no round has closed: until then no result and no report
  exists that a larger panel could change; from the first close on, the panel is fixed,
  since participation and group agreement of the closed round are computed over it;
- rounds still in draft: their kind and dates may change, new ones may be added and draft
  ones dropped (the schedule ahead is not the past).

Before round 1 opens nothing has happened yet, and the database simply follows the file.
Pure: the caller reads the stored study into a :class:`StudyDefinition` and says which rounds
have opened and whether any has closed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from symphonia.core.protocol import protocol_to_dict
from symphonia.core.study import Anonymity, StudyDefinition
from symphonia.core.text_rules import Problem, clip

STUDY_FIELDS = ("title", "question", "description", "synthetic", "anonymity")


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if hasattr(value, "value"):  # an enum
        value = value.value
    return clip(json.dumps(value, ensure_ascii=False, default=str), 100)


def _change(old: object, new: object) -> str:
    return f"{_shown(old)} → {_shown(new)}"


def _leaves(data: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """{"scale": {"max": 9}} -> {"protocol.scale.max": 9}: a change names its field."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        out.update(_leaves(value, name) if isinstance(value, Mapping) else {name: value})
    return out


def locked_study_changes(
    recorded: StudyDefinition,
    wanted: StudyDefinition,
    *,
    opened_rounds: Collection[int],
    any_closed: bool,
) -> list[Problem]:
    """Every change from `recorded` to `wanted` that the rule refuses, as (field, reason)."""
    refused: list[Problem] = []
    for name in STUDY_FIELDS:
        old, new = getattr(recorded, name), getattr(wanted, name)
        if old != new:
            refused.append((f"study.{name}", _change(old, new)))
    old_protocol = _leaves(protocol_to_dict(recorded.protocol), "protocol")
    new_protocol = _leaves(protocol_to_dict(wanted.protocol), "protocol")
    for name in sorted(set(old_protocol) | set(new_protocol)):
        if old_protocol.get(name) != new_protocol.get(name):
            refused.append((name, _change(old_protocol.get(name), new_protocol.get(name))))
    refused += _group_changes(recorded, wanted)
    refused += _panel_changes(recorded, wanted, any_closed)
    refused += _round_changes(recorded, wanted, opened_rounds)
    return refused


def _group_changes(recorded: StudyDefinition, wanted: StudyDefinition) -> list[Problem]:
    names = {g.id: g.name for g in wanted.groups}
    refused: list[Problem] = []
    for g in recorded.groups:
        if g.id not in names:
            refused.append(
                (
                    f"groups.{g.id}",
                    "is missing from the file; a stakeholder group cannot be removed",
                )
            )
        elif names[g.id] != g.name:
            refused.append((f"groups.{g.id}.name", _change(g.name, names[g.id])))
    return refused


def _panel_changes(
    recorded: StudyDefinition, wanted: StudyDefinition, any_closed: bool
) -> list[Problem]:
    before = {p.pseudonym: p for p in recorded.panel}
    refused: list[Problem] = []
    for p in wanted.panel:
        old = before.pop(p.pseudonym, None)
        if old is None:
            if any_closed:
                refused.append(
                    (
                        f"panel.{p.pseudonym}",
                        "is new; the panel is fixed once a round has closed (participation "
                        "and group agreement of closed rounds are computed over it)",
                    )
                )
            continue
        for name in ("role", "group", "name"):
            if name == "name" and recorded.anonymity is not Anonymity.NAMED:
                continue  # a private name, shown in no report, may still be corrected
            if getattr(old, name) != getattr(p, name):
                change = _change(getattr(old, name), getattr(p, name))
                refused.append((f"panel.{p.pseudonym}.{name}", change))
    for pseudonym in before:
        refused.append(
            (
                f"panel.{pseudonym}",
                "is missing from the file; a panellist cannot be removed (their "
                "contributions stand)",
            )
        )
    return refused


def _round_changes(
    recorded: StudyDefinition, wanted: StudyDefinition, opened: Collection[int]
) -> list[Problem]:
    new = {r.number: r for r in wanted.rounds}
    refused: list[Problem] = []
    for r in recorded.rounds:
        if r.number not in opened:
            continue  # the schedule ahead may change
        if r.number not in new:
            refused.append((f"rounds.{r.number}", "has opened; it cannot be removed from the file"))
            continue
        for name in ("kind", "opens", "closes"):
            old, now = getattr(r, name), getattr(new[r.number], name)
            if old != now:
                refused.append(
                    (f"rounds.{r.number}.{name}", f"{_change(old, now)} (it has opened)")
                )
    return refused
