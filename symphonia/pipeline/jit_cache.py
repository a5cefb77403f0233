"""Keep UMAP's numba compilations on disk, so only the first analysis on a machine pays them.

umap-learn declares its ~190 numba functions without `cache=True`, so every new process
compiles them again on its first UMAP fit: 8.7-9.1 s on 2 cores, against 0.6 s for the fit
itself on 500 vectors. For a facilitator running `symphonia analyze` on a round of a few
hundred fragments, that compile is most of the wait, every time. Giving those functions
numba's own on-disk cache (what `cache=True` does) lets later processes load the machine code
instead: the first fit of a fresh process then took 0.64 s. pynndescent, which UMAP uses,
already caches most of its own functions; the few it does not are included.

Where and when an entry is trusted: numba keys each entry by the function's source file
(path, modification time and size) and the CPU. It does not notice a change in a function
from *another* file that a cached one calls, so the entries live in a directory named after
the installed umap-learn, pynndescent and numba versions, and an upgrade of any of them
starts a fresh one. Saving is best effort: a full or read-only disk leaves the function
compiled in memory, as before, instead of failing the analysis.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import logging
import threading
from pathlib import Path
from typing import Any

from symphonia.settings import user_cache_dir

_MODULES = (
    "umap.umap_",
    "umap.layouts",
    "umap.utils",
    "umap.distances",
    "umap.spectral",
    "umap.sparse",
    "pynndescent.pynndescent_",
    "pynndescent.utils",
    "pynndescent.distances",
    "pynndescent.rp_trees",
    "pynndescent.sparse",
)
_VERSIONED = ("umap-learn", "pynndescent", "numba")

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_covered: int | None = None


def jit_cache_dir() -> Path:
    """Where the entries go: per user, one directory per set of library versions."""
    versions = "-".join(f"{name}{importlib.metadata.version(name)}" for name in _VERSIONED)
    return user_cache_dir() / "numba" / versions


def cache_umap_compilations() -> int:
    """Give UMAP's compiled functions a disk cache (once per process); return how many
    functions it covers (0 if the cache directory cannot be used)."""
    global _covered
    with _lock:
        if _covered is None:
            _covered = _enable()
        return _covered


def _enable() -> int:
    # numba is only partly typed; its objects are handled as Any here
    numba: Any = importlib.import_module("numba")
    caching: Any = importlib.import_module("numba.core.caching")
    dispatcher: Any = importlib.import_module("numba.core.dispatcher")

    class BestEffortCache(caching.FunctionCache):  # type: ignore[misc]
        """numba re-raises a failed save on Linux (it only forgives Windows' EACCES)."""

        def save_overload(self, sig: Any, data: Any) -> None:
            try:
                super().save_overload(sig, data)
            except OSError as exc:
                logger.debug("numba cache not saved: %s", exc)

    try:
        directory = jit_cache_dir()
        directory.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError) as exc:
        logger.debug("numba cache unavailable: %s", exc)
        return 0
    count = 0
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(directory)  # read when each cache picks its location
    try:
        for name in _MODULES:
            try:
                module = importlib.import_module(name)
            except ImportError:  # a library reorganised its modules: those compile as before
                continue
            for function in vars(module).values():
                if isinstance(function, dispatcher.Dispatcher):
                    with contextlib.suppress(Exception):  # uncachable: compiled as before
                        # what Dispatcher.enable_caching() does, with the best-effort cache
                        function._cache = BestEffortCache(function.py_func)
                        count += 1
    finally:
        numba.config.CACHE_DIR = previous
    return count
