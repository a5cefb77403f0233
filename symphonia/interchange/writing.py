"""Writing JSON Lines safely: compact, UTF-8, one object per line, replaced atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def dumps_jsonl(records: Iterable[Mapping[str, Any]]) -> str:
    """JSON Lines text. Non-ASCII is written as is, for readable diffs; so a string may hold a
    raw U+2028, and readers must split records on ``\\n`` only (not ``str.splitlines``)."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_jsonl(path: str | Path, records: Iterable[Mapping[str, Any]]) -> None:
    """Write to a temporary file beside the target, then rename over it, so a crash or a
    concurrent reader never sees a half-written file."""
    target = Path(path)
    text = dumps_jsonl(records)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these are shareable data files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
