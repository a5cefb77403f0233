"""One partition from several runs of a seeded clusterer (evidence accumulation clustering,
Fred & Jain, IEEE TPAMI 2005).

Why: a UMAP layout is deterministic for a fixed seed, but chaotic in its input. The ONNX and
PyTorch vectors of one sentence agree to a cosine of 0.9999995, yet the layout of a small
round moves with that difference, and HDBSCAN's groups move with the layout. Each run is a
vote on which fragments belong together; counting the votes over several seeds keeps the
pairs most runs agree on. Measured (`benchmarks/argkp_themes.py --noise`): on ArgKP train,
five layouts raised the worst case over backends and noise draws of min(ARI/0.35,
recall/0.75) from 0.950 to 0.998, but dev recall still spreads from 0.706 to 0.824 over ten
draws of noise 1e-6. The votes narrow the accident; they do not remove it.

The name is the literature's; it has nothing to do with a Delphi panel's consensus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from symphonia.pipeline.position_space import SINGULAR

__all__ = ["co_association", "combined_labels"]

Labels = npt.NDArray[np.int64]


def co_association(runs: Sequence[Labels]) -> npt.NDArray[np.float64]:
    """Share of runs in which each pair of items sits in one group.

    A label of `SINGULAR` (an outlier of that run) joins nothing, so an item every run calls
    an outlier keeps 0 with every other item. The diagonal is 1.
    """
    if not runs:
        raise ValueError("co_association needs at least one run")
    n = len(runs[0])
    if any(len(run) != n for run in runs):
        raise ValueError("every run must label the same items")
    together = np.zeros((n, n), dtype=np.float64)
    for run in runs:
        labels = np.asarray(run, dtype=np.int64)
        together += (labels[:, None] == labels[None, :]) & (labels != SINGULAR)[:, None]
    together /= len(runs)
    np.fill_diagonal(together, 1.0)
    return together


def combined_labels(runs: Sequence[Labels], *, distance_threshold: float, min_size: int) -> Labels:
    """One partition from `runs` (each a labelling of the same items, `SINGULAR` = outlier).

    Average-linkage clustering on 1 - co-association, cut at `distance_threshold`: items whose
    groups agree, on average over the runs, more often than 1 - threshold form one group.
    Groups smaller than `min_size` are singular. Deterministic for given runs: the linkage has
    no randomness, and labels are numbered by each group's first item.
    """
    together = co_association(runs)
    n = together.shape[0]
    if n < 2:
        return np.full(n, SINGULAR, dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    raw = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=distance_threshold,
    ).fit_predict(1.0 - together)
    sizes = np.bincount(raw)
    numbering: dict[int, int] = {}
    out = np.full(n, SINGULAR, dtype=np.int64)
    for i, group in enumerate(raw.tolist()):
        if sizes[group] >= min_size:
            out[i] = numbering.setdefault(group, len(numbering))
    return out
