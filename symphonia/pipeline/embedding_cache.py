"""Persistent embedding cache keyed by (model id, sha256 of the text) (DESIGN.md §4.1).

One SQLite file (stdlib, WAL so readers don't block a writer) holding raw float32 blobs.
Editing one fragment and re-running the analysis then embeds exactly one text, and a fully
cached run never loads the model. Lookups are chunked `IN` queries on the primary key, which
keeps 50k lookups well under a second.

The cache holds nothing that cannot be computed again, so damage to it is never fatal: a file
SQLite cannot read ("file is not a database", "database disk image is malformed"), at open or
on any later query, is moved aside as ``<name>.corrupt`` (kept for a post-mortem, replacing an
older one) and a new, empty cache takes its place; the texts are embedded again. The reason is
logged and kept in :attr:`EmbeddingCache.recovered`. A stored vector of the wrong length, or
holding NaN or infinity, is treated as missing.
"""

from __future__ import annotations

import errno
import hashlib
import logging
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


logger = logging.getLogger(__name__)


def text_key(text: str) -> bytes:
    """The cache key of a text: sha256 of its UTF-8 bytes, exactly as submitted."""
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """A single-file store of vectors; safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._memory = str(path) == ":memory:"
        if not self._memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.recovered: str | None = None
        """Why the cache file was set aside and started afresh, if it was."""
        with self._lock:
            try:
                self._conn = self._connect()
            except sqlite3.OperationalError as exc:  # a directory, no permission: not damage
                raise OSError(
                    errno.EIO, f"cannot open the embedding cache: {exc}", str(path)
                ) from exc
            except sqlite3.DatabaseError as exc:
                self._conn = self._start_afresh(exc, opened=False)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30.0)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(_SCHEMA)
            conn.commit()
        except BaseException:
            conn.close()
            raise
        return conn

    def _start_afresh(
        self, exc: sqlite3.DatabaseError, *, opened: bool = True
    ) -> sqlite3.Connection:
        """Set the unreadable file aside and open a new, empty cache (lock held).
        A database that is merely busy (locked by another process) is not damaged: that
        error is raised, not "repaired" by moving someone else's cache away."""
        if isinstance(exc, sqlite3.OperationalError) or self._memory:
            raise exc
        if opened:
            self._conn.close()
        aside = self.path.with_name(self.path.name + ".corrupt")
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        self.path.replace(aside)
        self.recovered = f"{self.path} could not be read ({exc}); moved to {aside}"
        logger.warning("embedding cache rebuilt: %s", self.recovered)
        return self._connect()

    def get_many(self, model_id: str, keys: Sequence[bytes]) -> dict[bytes, Vectors]:
        """Return the cached vectors of those `keys` that are present (missing ones absent)."""
        found: dict[bytes, Vectors] = {}
        with self._lock:
            try:
                self._lookup(model_id, keys, found)
            except sqlite3.DatabaseError as exc:
                self._conn = self._start_afresh(exc)
                return {}
        return found

    def _lookup(self, model_id: str, keys: Sequence[bytes], found: dict[bytes, Vectors]) -> None:
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT text_hash, dim, vector FROM embeddings "  # noqa: S608 (placeholders only)
                f"WHERE model = ? AND text_hash IN ({marks})",
                (model_id, *chunk),
            )
            for key, dim, blob in rows:
                if not isinstance(blob, bytes) or len(blob) != 4 * dim:
                    continue
                vec = np.frombuffer(blob, dtype=np.float32)
                if np.isfinite(vec).all():
                    found[bytes(key)] = vec

    def put_many(self, model_id: str, items: Mapping[bytes, Vectors]) -> None:
        """Store vectors (replacing any previous vector for the same key)."""
        rows: list[tuple[str, bytes, int, bytes]] = [
            (model_id, key, int(vec.shape[0]), np.ascontiguousarray(vec, np.float32).tobytes())
            for key, vec in items.items()
        ]
        with self._lock:
            try:
                self._store(rows)
            except sqlite3.DatabaseError as exc:
                self._conn = self._start_afresh(exc)
                self._store(rows)

    def _store(self, rows: Iterable[tuple[str, bytes, int, bytes]]) -> None:
        self._conn.executemany(
            "INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector) VALUES (?, ?, ?, ?)",
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
