"""Persistent embedding cache keyed by (model id, sha256 of the text) (DESIGN.md §4.1).

One SQLite file (stdlib, WAL so readers don't block a writer) holding raw float32 blobs.
Editing one fragment and re-running the analysis then embeds exactly one text, and a fully
cached run never loads the model. Lookups are chunked `IN` queries on the primary key, which
keeps 50k lookups well under a second.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from symphonia.pipeline.contracts import Embedder, ProgressCallback, Vectors, no_progress

_CHUNK = 500
"""Keys per `IN (...)` query: below SQLite's historic 999-variable limit with room to spare."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
) WITHOUT ROWID
"""


def text_key(text: str) -> bytes:
    """The cache key of a text: sha256 of its UTF-8 bytes, exactly as submitted."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """A single-file store of vectors; safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30.0)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)
            self._conn.commit()

    def get_many(self, model_id: str, keys: Sequence[bytes]) -> dict[bytes, Vectors]:
        """Return the cached vectors of those `keys` that are present (missing ones absent)."""
        found: dict[bytes, Vectors] = {}
        with self._lock:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT text_hash, dim, vector FROM embeddings "  # noqa: S608 (placeholders only)
                    f"WHERE model = ? AND text_hash IN ({marks})",
                    (model_id, *chunk),
                )
                for key, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.shape[0] == dim:
                        found[bytes(key)] = vec
        return found

    def put_many(self, model_id: str, items: Mapping[bytes, Vectors]) -> None:
        """Store vectors (replacing any previous vector for the same key)."""
        rows: Iterable[tuple[str, bytes, int, bytes]] = (
            (model_id, key, int(vec.shape[0]), np.ascontiguousarray(vec, np.float32).tobytes())
            for key, vec in items.items()
        )
        with self._lock:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
            self._conn.commit()

    def count(self, model_id: str | None = None) -> int:
        """Number of cached vectors, for one model or all."""
        with self._lock:
            if model_id is None:
                row = self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()
            else:
                row = self._conn.execute(
                    "SELECT COUNT(*) FROM embeddings WHERE model = ?", (model_id,)
                ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class CachedEmbedder:
    """An `Embedder` that asks `inner` only for texts it has never seen with that model.

    Identical texts are embedded once; all misses go to `inner` in a single call, so the
    inner embedder batches them efficiently and reports one coherent progress run.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self.inner = inner
        self.cache = cache
        self.last_misses = 0
        """How many distinct texts the last `embed` call had to send to the model."""

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def backend(self) -> str | None:
        """The inner model's backend if the last `embed` call ran it; None when every vector
        came from the cache (even if a long-lived embedder ran the model for an earlier call)."""
        if self.last_misses == 0:
            return None
        backend = getattr(self.inner, "backend", "other")
        return None if backend is None else str(backend)

    def embed(self, texts: Sequence[str], progress: ProgressCallback = no_progress) -> Vectors:
        keys = [text_key(t) for t in texts]
        unique: dict[bytes, str] = {}
        for key, text in zip(keys, texts, strict=True):
            unique.setdefault(key, text)
        found = self.cache.get_many(self.model_id, list(unique))
        missing = [k for k in unique if k not in found]
        self.last_misses = len(missing)
        if missing:
            fresh = self.inner.embed([unique[k] for k in missing], progress)
            new = {k: fresh[i] for i, k in enumerate(missing)}
            self.cache.put_many(self.model_id, new)
            found.update(new)
        else:
            progress("embed", len(texts), len(texts))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
