"""The "new study" form: its fields, read into a study definition, and refusals mapped back.

Stakeholder groups are typed one per line (``clinician: Clinicians``): a list of pairs is
what a facilitator has to hand, and a textarea needs no JavaScript to grow. The round
schedule is a few fixed rows (kind, opens, closes); empty rows are ignored. The definition
is built unchecked: the service checks it with the rules every study file obeys, and each
problem it names (``study.id``, ``groups[1].name``, ``rounds[0].closes``) is put back
beside the field it came from.
"""

from __future__ import annotations

import datetime
import re

from symphonia.core.errors import Problem, RejectedInput
from symphonia.core.study import (
    Anonymity,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.web.forms import FormState, errors_from_refusal, read_form

FORM_ROUNDS = 5
"""Rows of the schedule on the form (a Delphi study rarely runs more than three rounds)."""


def round_fields(n: int) -> tuple[str, str, str]:
    return (f"round{n}_kind", f"round{n}_opens", f"round{n}_closes")


FIELDS = (
    "slug",
    "title",
    "question",
    "description",
    "anonymity",
    "groups",
    *(name for n in range(1, FORM_ROUNDS + 1) for name in round_fields(n)),
)


def _groups(text: str) -> tuple[tuple[StakeholderGroup, ...], str | None]:
    groups = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, colon, name = line.partition(":")
        if not colon or not key.strip() or not name.strip():
            return (), f"Line {number}: write each group as id: name, such as clinician: Clinicians"
        groups.append(StakeholderGroup(key.strip(), name.strip()))
    return tuple(groups), None


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _rounds(form: FormState) -> tuple[tuple[RoundDefinition, ...], dict[str, str], list[int]]:
    """The schedule's rounds, errors by field, and the form row of each round."""
    rounds: list[RoundDefinition] = []
    errors: dict[str, str] = {}
    rows: list[int] = []
    for n in range(1, FORM_ROUNDS + 1):
        kind_field, opens_field, closes_field = round_fields(n)
        kind = form.values[kind_field]
        if not kind:
            if form.values[opens_field] or form.values[closes_field]:
                errors[kind_field] = f"Choose what happens in round {n}, or clear its dates"
            continue
        if kind not in {k.value for k in RoundKind}:
            errors[kind_field] = f"Choose what happens in round {n}"
            continue
        dates = {}
        for name in (opens_field, closes_field):
            try:
                dates[name] = _date(form.values[name])
            except ValueError:
                errors[name] = "Enter a real date, such as 2026-01-31"
        if any(name in errors for name in (opens_field, closes_field)):
            continue
        rows.append(n)
        number = len(rounds) + 1
        rounds.append(
            RoundDefinition(number, RoundKind(kind), dates[opens_field], dates[closes_field])
        )
    return tuple(rounds), errors, rows


def read_study_form(data: dict[str, object]) -> tuple[FormState, StudyDefinition | None, list[int]]:
    """The form, and the definition it describes (None when the form itself is wrong); the
    list maps each declared round to its row on the form."""
    form = read_form(data, FIELDS)
    groups, group_error = _groups(form.values["groups"])
    rounds, errors, rows = _rounds(form)
    if group_error:
        errors["groups"] = group_error
    anonymity = form.values["anonymity"] or Anonymity.PSEUDONYMOUS.value
    if anonymity not in {a.value for a in Anonymity}:
        errors["anonymity"] = "Choose what panel members learn about each other"
    if not rounds and not errors:
        errors[round_fields(1)[0]] = "Plan at least one round"
    form = form.with_errors(errors)
    if form.failed:
        return form, None, rows
    definition = StudyDefinition(
        id=form.values["slug"],
        title=form.values["title"],
        question=form.values["question"],
        description=form.values["description"],
        anonymity=Anonymity(anonymity),
        groups=groups,
        rounds=rounds,
        check=False,
    )
    return form, definition, rows


_PATH = re.compile(
    r"^(study\.(?P<study>\w+)|(?P<list>groups|rounds)(\[(?P<i>\d+)\])?(\.(?P<f>\w+))?)"
)
_STUDY = {"id": "slug", "title": "title", "question": "question", "description": "description"}


def field_for(path: str, rows: list[int]) -> str:
    """The form field a service's problem path (``rounds[1].closes``) belongs to."""
    found = _PATH.match(path)
    if found is None:
        return "slug"
    if found["study"]:
        return _STUDY.get(found["study"], "anonymity" if found["study"] == "anonymity" else "slug")
    if found["list"] == "groups":
        return "groups"
    index = int(found["i"]) if found["i"] is not None else 0
    row = rows[index] if index < len(rows) else 1
    suffix = {"opens": 1, "closes": 2}.get(found["f"] or "", 0)
    return round_fields(row)[suffix]


def errors_for(refusal: RejectedInput, rows: list[int]) -> dict[str, str]:
    """Each problem of the service's refusal beside its field."""
    placed = [Problem(p.location, field_for(p.field, rows), p.reason) for p in refusal.problems]
    return errors_from_refusal(RejectedInput(refusal.summary, placed), FIELDS, "slug")
