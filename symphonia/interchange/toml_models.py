"""The pieces every model of a hand-written TOML file shares: strict tables, closed
vocabularies whose refusal lists what is expected, and values shown as TOML writes them.

Used by the study file's sections (:mod:`symphonia.interchange.study_sections`, and
:mod:`symphonia.interchange.priority_study` for ``[prioritise]``), so each refuses alike.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BeforeValidator, ConfigDict

from symphonia.core.text_rules import clip

TOML_CONFIG = ConfigDict(extra="forbid", strict=True, frozen=True)
"""Every table of a study file: unknown fields refused, no type coercion, read-only."""


def show(value: object) -> str:
    """A value as it would be written in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return clip(json.dumps(value, ensure_ascii=False))
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def choice(allowed: tuple[str, ...], what: str) -> BeforeValidator:
    """A validator for a closed vocabulary whose message lists the expected values."""

    def check(value: object) -> object:
        if isinstance(value, str) and value in allowed:
            return value
        expected = " or ".join(allowed) if len(allowed) == 2 else "one of " + ", ".join(allowed)
        shown = repr(value) if isinstance(value, str) else show(value)
        raise ValueError(f"unknown {what} {shown}; expected {expected}")

    return BeforeValidator(check)


def enum_values(enum_type: Any) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum_type)
