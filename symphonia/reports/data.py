"""The report document as plain data (dicts, lists, strings, numbers): what the JSON export
writes and what the generic layouts of added sections read. Dataclass fields in their
declared order, tuples as lists, dates as ISO 8601 strings; nothing else is converted."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Mapping
from typing import Any

from symphonia.services.reporting import ExtraSection


def to_data(value: Any) -> Any:
    if isinstance(value, ExtraSection):
        return {"key": value.key, "title": value.title, "content": to_data(value.as_data())}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
