"""Writing JSON Lines safely: compact, UTF-8, one object per line, replaced atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from symphonia.interchange.files import write_atomically


def dumps_jsonl(records: Iterable[Mapping[str, Any]]) -> str:
    """JSON Lines text. Non-ASCII is written as is, for readable diffs; so a string may hold a
    raw U+2028, and readers must split records on ``\\n`` only (not ``str.splitlines``)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Write to a temporary file beside the target, then rename over it, so a crash or a
    concurrent reader never sees a half-written file (:func:`write_atomically`)."""
    write_atomically(path, dumps_jsonl(records))
