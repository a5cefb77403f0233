"""Keep UMAP's numba compilations on disk, so only the first analysis on a machine pays them.

umap-learn declares its ~190 numba functions without `cache=True`, so every new process
compiles them again on its first UMAP fit: 8.7-9.1 s on 2 cores, against 0.6 s for the fit
itself on 500 vectors. For a facilitator running `symphonia analyze` on a round of a few
hundred fragments, that compile is most of the wait, every time. Turning on numba's own
on-disk cache for those functions (`Dispatcher.enable_caching`, which is what `cache=True`
does) lets later processes load the machine code instead: the first fit of a fresh process
then took 0.64 s. pynndescent, which UMAP uses, already caches most of its own functions;
the few it does not are included.

Numba stores the cache beside the library's sources (or in a per-user directory when those
are read-only, or in `NUMBA_CACHE_DIR`) and keys each entry by the source file's path and
modification time and by the CPU, recompiling when either changes, so a stale entry is never
run. A function numba cannot cache is compiled as before: this only ever saves time.
"""

from __future__ import annotations

import importlib
import threading

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

_lock = threading.Lock()
_enabled: int | None = None


def cache_umap_compilations() -> int:
    """Turn on numba's disk cache for UMAP's compiled functions (once per process); return
    how many functions it now covers."""
    global _enabled
    with _lock:
        if _enabled is None:
            from numba.core.dispatcher import Dispatcher

            count = 0
            for name in _MODULES:
                module = importlib.import_module(name)
                for function in vars(module).values():
                    if isinstance(function, Dispatcher):
                        try:
                            function.enable_caching()
                        except Exception:  # noqa: S112 - uncachable: compiled as before
                            continue
                        count += 1
            _enabled = count
        return _enabled
