"""The fragment form an expert fills in: its fields, its choices, and its errors in words
that say what to do (GOV.UK's error messages: "Select …", "Enter …").

The same fields serve a new fragment, an edit and a draft, so the parsing and the wording
live here once. Sources are typed one per line and stored as a list.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

from symphonia.core.errors import RejectedInput
from symphonia.core.fragments import (
    CONFIDENCE_LABELS,
    KIND_EXPLANATIONS,
    KIND_LABELS,
    FragmentKind,
)
from symphonia.services.contributions import FragmentDraftInput
from symphonia.web.forms import FormState, read_form

FIELDS = ("kind", "text", "confidence", "sources")
"""What a fragment form holds (and a draft keeps)."""
HIDDEN = ("key",)

Option = tuple[str, str, str | None]

KIND_OPTIONS: tuple[Option, ...] = tuple(
    (k.value, KIND_LABELS[k], KIND_EXPLANATIONS[k]) for k in FragmentKind
)
CONFIDENCE_OPTIONS: tuple[Option, ...] = tuple(
    (str(n), f"{n}: {label}", None) for n, label in CONFIDENCE_LABELS.items()
)

WHEN_EMPTY = MappingProxyType(
    {
        "kind": "Select the kind of evidence this is",
        "text": "Enter your fragment",
        "confidence": "Select how confident you are",
    }
)


@dataclass(frozen=True, slots=True)
class FragmentChoices:
    """What every page that shows or asks for fragments reads: the kinds with their
    explanations, and what each confidence score means. Page contexts inherit it."""

    kinds: ClassVar[tuple[Option, ...]] = KIND_OPTIONS
    confidences: ClassVar[tuple[Option, ...]] = CONFIDENCE_OPTIONS
    kind_labels: ClassVar[Mapping[FragmentKind, str]] = KIND_LABELS
    confidence_labels: ClassVar[Mapping[int, str]] = CONFIDENCE_LABELS


@dataclass(frozen=True, slots=True)
class FragmentFields:
    """A fragment form as the template needs it: values and errors, and its key.

    The key is made when the form is first rendered and names both the form's draft and
    its submission (the idempotency key): a double submit stores one fragment, submitting
    deletes that draft, and an autosave arriving after the submission (it was in flight)
    cannot bring the draft back."""

    form: FormState
    key: str


def new_key() -> str:
    """A key for a form's draft and submission, made when the form is rendered."""
    return secrets.token_urlsafe(16)


def fresh_fields(values: Mapping[str, Any] | None = None, key: str | None = None) -> FragmentFields:
    """A form to fill in, from a saved draft's content (or empty)."""
    kept = {name: str((values or {}).get(name, "") or "") for name in FIELDS}
    return FragmentFields(FormState(MappingProxyType(kept)), key or new_key())


def read_fragment_form(data: Mapping[str, Any]) -> tuple[FragmentFields, FragmentDraftInput]:
    """The submitted form, and the fragment it describes (checked by the service)."""
    state = read_form(data, FIELDS + HIDDEN)
    values = state.values
    fields = FragmentFields(
        FormState(MappingProxyType({n: values[n] for n in FIELDS}), state.errors),
        values["key"][:64] or new_key(),
    )
    sources = [line.strip() for line in values["sources"].splitlines() if line.strip()]
    fragment = FragmentDraftInput(
        kind=values["kind"], text=values["text"], confidence=values["confidence"], sources=sources
    )
    return fields, fragment


def draft_content(fields: FragmentFields) -> dict[str, str]:
    """What a draft keeps: the fields as typed (any may be empty)."""
    return {name: fields.form.values.get(name, "") for name in FIELDS}


def _reason(name: str, field: str, value: str, reason: str) -> str:
    if name in WHEN_EMPTY and not value:
        return WHEN_EMPTY[name]
    if name == "kind":
        return "Select one of the kinds listed"
    if name == "confidence":
        return "Select how confident you are, from 1 to 5"
    if name == "sources":
        index = field[len(name) :].strip("[]")
        return f"Source {int(index) + 1} {reason}" if index.isdigit() else f"Sources: {reason}"
    return f"Your fragment {reason}"


def with_refusal(fields: FragmentFields, refusal: RejectedInput) -> FragmentFields:
    """The form with each problem beside its field, in words that say what to do
    (`sources[2]` marks the sources box, naming the source)."""
    errors: dict[str, str] = {}
    for problem in refusal.problems:
        name = problem.field.split("[", 1)[0]
        if name not in FIELDS:
            name = "text"
        value = fields.form.values.get(name, "")
        reason = _reason(name, problem.field, value, problem.reason)
        errors[name] = f"{errors[name]}; {reason}" if name in errors else reason
    ordered = {name: errors[name] for name in FIELDS if name in errors}
    return FragmentFields(fields.form.with_errors(ordered), fields.key)
