"""A submitted form and its errors, as the templates' `_forms.html` macros read them.

Forms are parsed by hand rather than by Litestar's dataclass binding, because a refused
form must come back as the same page with every field kept and each error beside its field
(GOV.UK's error pattern), not as a bare 400. `from_refusal` turns a service's
:class:`~symphonia.core.errors.RejectedInput` into those errors, using each problem's field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body

from symphonia.core.errors import RejectedInput

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A urlencoded form as a dict (the CSRF field included)."""

MAX_FIELD_CHARS = 20_000
"""No field of any form holds more than this; a longer one is refused, not truncated."""


@dataclass(frozen=True, slots=True)
class FormState:
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    errors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def with_errors(self, errors: Mapping[str, str]) -> FormState:
        return FormState(self.values, MappingProxyType({**self.errors, **errors}))


def read_form(data: Mapping[str, Any], names: tuple[str, ...]) -> FormState:
    """The named fields as stripped text (a repeated field keeps its last value), with an
    error for any field longer than :data:`MAX_FIELD_CHARS`."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in names:
        raw = data.get(name, "")
        if isinstance(raw, list):
            raw = raw[-1] if raw else ""
        text = str(raw).replace("\r\n", "\n").strip()
        if len(text) > MAX_FIELD_CHARS:
            errors[name] = f"This is too long: at most {MAX_FIELD_CHARS:,} characters"
            text = text[:MAX_FIELD_CHARS]
        values[name] = text
    return FormState(MappingProxyType(values), MappingProxyType(errors))


def errors_from_refusal(
    refusal: RejectedInput, known: tuple[str, ...], fallback: str
) -> dict[str, str]:
    """Field -> message for each problem; problems of fields the form does not show are
    attached to `fallback`, so none is lost."""
    errors: dict[str, str] = {}
    for problem in refusal.problems:
        name = problem.field if problem.field in known else fallback
        reason = problem.reason[:1].upper() + problem.reason[1:]
        errors[name] = f"{errors[name]}; {reason}" if name in errors else reason
    return errors
