"""Writing files safely: JSON Lines (compact, UTF-8, one object per line) and any text,
replaced atomically."""

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
    replace_atomically(path, dumps_jsonl(records), mode=0o644)  # shareable data files


def replace_atomically(path: str | Path, text: str, *, mode: int) -> None:
    """Write `text` (UTF-8) to `path` through a temporary file beside it, renamed over it
    once complete. The temporary file is created 0600 (mkstemp) and given `mode` before the
    rename, so a file of secrets (mode 0600) is never readable by others, not even briefly."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
