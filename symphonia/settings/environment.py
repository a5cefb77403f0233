"""Reading one SYMPHONIA_* variable as the value it must be, or refusing it by name.

Kept apart from the settings themselves so each reader is written once: a value that cannot
be used (`SYMPHONIA_LLM_MAX_TOKENS=abc`, a concurrency of 0) is refused with
:class:`SettingsError`, naming the variable, its value and what is expected. An empty
variable counts as unset.
"""

from __future__ import annotations

import math
import os

from symphonia.core.errors import SymphoniaError


class SettingsError(SymphoniaError, ValueError):
    """An environment variable whose value cannot be used."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        self.name = name
        self.value = value
        super().__init__(f"{name}={value!r} is not usable: {expected}")


def env(name: str, default: str | None = None) -> str | None:
    """The variable's value, or `default` when it is unset or empty."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, minimum: int) -> int | None:
    """A whole number of at least `minimum`, or None when unset."""
    value = env(name)
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise SettingsError(name, value, f"expected a whole number of at least {minimum}")
    return number


def env_seconds(name: str) -> float | None:
    """A positive, finite number of seconds, or None when unset."""
    value = env(name)
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise SettingsError(name, value, "expected a number of seconds greater than 0")
    return number


def env_choice(name: str, choices: tuple[str, ...], what: str) -> str | None:
    value = env(name)
    if value is None or value in choices:
        return value
    raise SettingsError(
        name, value, f"unknown {what} {value!r}; expected one of {', '.join(choices)}"
    )


def env_flag(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, value, "expected true or false (1/0, yes/no, on/off)")
