"""Stage 2b/3: group a round's fragments into themes and singular views (DESIGN.md §4.2–3).

Why the steps are what they are (figures in benchmarks/argkp_themes.py):

* Stance is a known input, so it is used, not rediscovered: arguments for, arguments
  against and stance-neutral fragments (claims, barriers, ...) are clustered separately. A
  theme is then one-sided by construction, and "contested" is read downstream from
  opposing themes about the same subject (`counterpart_of`) and from fragment kinds. On
  ArgKP, separating stances is the largest single gain in agreement with the gold key points.
* A round-sized group is cut into communities of its neighbour graph, very large ones by
  HDBSCAN on a PCA reduction (`density_groups.py`): no layout for the groups people read, so
  the themes do not move with the embedding's last digits (ONNX against PyTorch).
* Groups smaller than `tiny_n` are too small for density estimation: they go through
  average-linkage agglomerative clustering on cosine distance with a fixed threshold, so two
  near-paraphrases still form a theme and unrelated fragments stay singular.
* Both paths over-split on purpose (Louvain at a high resolution, HDBSCAN in "leaf"
  mode): `positions.py` then merges
  near-duplicate groups and settles every fragment on its nearest theme centre in a space that
  adds shared content words to the embedding, so each theme is one coherent position and
  small positions (3 fragments) keep a theme of their own.
* Outliers (label -1) are singular views: kept and reported, never dropped. A fragment that
  is not close enough to any theme centre stays one, however the density step labelled it,
  and so is one that shares next to nothing with the rest of its theme (`alone_below`).

Determinism: each group is processed in a canonical order (sorted by fragment id) with fixed
seeds, so the same fragments give the same partition whatever order they arrive in; labels
are then numbered by cluster size (desc) and first position in the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from symphonia.core.fragments import Fragment
from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.density_groups import density_groups
from symphonia.pipeline.lexical import lexical_vectors
from symphonia.pipeline.position_space import SINGULAR
from symphonia.pipeline.positions import settle_positions
from symphonia.pipeline.reduce import ReduceMethod

__all__ = ["SINGULAR", "ClusterParams", "ClusterResult", "cluster_fragments", "counterpart_of"]


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Clustering knobs; defaults were tuned on the ArgKP *train* split only."""

    split_by_stance: bool = True
    """Cluster arguments for / against / stance-neutral fragments separately."""
    reduce_method: ReduceMethod = "auto"
    """"auto" = UMAP for groups of at most `umap_max_n` fragments, PCA above; "spectral" =
    the Laplacian eigenmap of UMAP's neighbour graph (`reduce.py`: stable in its input and
    the best on ArgKP train, but it dissolved the demo's small positions)."""
    n_components: int = 5
    """Target dimension of the reduction (HDBSCAN is fast and sharp at ~5–15 dims)."""
    n_neighbors: int = 15
    """UMAP neighbourhood size (~the size of a small theme), capped at n // 6 (but >= 5) so a
    small group keeps its local structure instead of collapsing into one blob."""
    umap_max_n: int = 1000
    """Largest group cut into graph communities (or laid out by UMAP, with
    grouping="layout"); larger groups are reduced by PCA and clustered with HDBSCAN. UMAP
    costs ~10 s of numba JIT per process plus ~2.5 s of CPU per 1000 points and layout, which
    would break the 10k-fragment budget (cold ≤ 1.3× bare embedding); rounds of Delphi size
    (hundreds) keep the neighbour graph's quality."""
    umap_n_epochs: int | None = None
    """UMAP optimisation epochs (None = umap's default: 500 below 10k points, else 200)."""
    grouping: Literal["graph", "layout"] = "graph"
    """How a stance group of `tiny_n` to `umap_max_n` fragments is cut into density groups
    (`density_groups.py`): "graph" = Louvain communities of its neighbour graph (stable in
    the embedding's last digits; ArgKP train worst case 1.045, dev 0.377 / 0.853 on every
    backend and noise draw); "layout" = HDBSCAN on a reduced layout (`reduce_method`, UMAP
    `umap_runs` times), the default before (train 0.998; dev recall 0.765 to 0.824 with the
    noise draw). Larger groups always take the layout path (PCA)."""
    graph_neighbors: int = 5
    """Neighbours per fragment in the graph of `grouping="graph"`."""
    graph_resolution: float = 3.0
    """Louvain resolution: above 1 favours more, smaller communities (`graph_groups.py`)."""
    graph_full_n: int = 50
    """Groups of fewer fragments get a proportionally lower resolution, never under 1
    (`density_groups.graph_resolution_for`). ArgKP train cannot tell 30 to 100 apart (worst
    case 1.043–1.053); 50 is the smallest that keeps the demo's five "teachers see children
    first" arguments together."""
    umap_runs: int = 5
    """UMAP layouts per stance group, with successive seeds; HDBSCAN's groups over all of them
    are combined by evidence accumulation (`evidence_accumulation.py`). One layout is chaotic
    in its input: the 1e-7 between ONNX and PyTorch vectors moved ArgKP dev recall between
    0.706 and 0.824 (`benchmarks/argkp_themes.py --noise`). 1 = a single layout, as before.
    PCA groups run once (PCA is stable)."""
    umap_runs_distance: float = 0.7
    """Average-linkage cut on 1 - (share of layouts that put two fragments in one group).
    With umap_runs, chosen on ArgKP train by the worst case, over the three embedding
    backends and five draws of noise 1e-6, of min(ARI/0.35, recall/0.75): 5 runs at 0.7 →
    0.998, 5 at 0.5 → 0.961; one layout → 0.950."""
    min_cluster_size_floor: int = 3
    """Smallest theme HDBSCAN may report."""
    min_cluster_fraction: float = 0.03
    """min_cluster_size = max(floor, min(cap, round(fraction × group size)))."""
    min_cluster_size_cap: int | None = 25
    """Largest min_cluster_size, whatever the group's size (None: no cap). Without it the
    smallest theme grows with the round: 750 fragments in a 25k-fragment stance group, so
    any position held by fewer people became singular views (46 % of a 50k round; 35 % of
    10k). 25 is above what the fraction gives any round up to ~830 fragments per stance,
    so Delphi-sized rounds and the ArgKP topics are unchanged."""
    min_samples: int | None = 2
    """HDBSCAN min_samples; small values make fewer fragments outliers."""
    max_cluster_fraction: float | None = 0.5
    """No HDBSCAN group may hold more than this share of its stance group (None: no cap).
    Excess-of-mass selection otherwise often returns two giant groups for a round with weak
    structure (vTaiwan: 119 comments → 2 themes); a theme that swallows most of a debate hides
    the dissent inside it. The positions pass may join groups again when they make one point."""
    cluster_selection_method: str = "leaf"
    """HDBSCAN "leaf" gives fine-grained groups, "eom" broad ones. Leaf, because the positions
    pass merges what belongs together but cannot split what HDBSCAN joined."""
    tiny_n: int = 15
    """Groups smaller than this use agglomerative clustering instead of HDBSCAN."""
    tiny_distance_threshold: float = 0.45
    """Average-linkage cosine-distance cut for tiny groups (0.45 ≈ similarity 0.55)."""
    seed: int = 42
    settle_positions: bool = True
    """Run the positions pass (`positions.py`) after density clustering: merge, then settle."""
    lexical_weight: float = 0.7
    """Share of the position space given to shared content words (0 = embedding only)."""
    lexical_max_share: float = 0.9
    """Words used by more than this share of the round's fragments are ignored."""
    merge_similarity: float | None = 0.3
    """Centre cosine at which two groups are one position (None: no merge), measured once
    what all groups of the stance group share is taken out (`positions.subject_removed`)."""
    member_similarity: float = 0.35
    """A fragment less alike than this to every theme centre is a singular view."""
    alone_below: float | None = 0.2
    """A member whose embedding is less alike than this to the centre of the *other* members
    of its theme is a singular view (`positions.alone_in_theme`; None: never). In a small
    theme a fragment's own share of the centre can hold it there: the demo's "Ignore previous
    instructions ..." scored 0.11 against the rest of its theme, the next lowest 0.30. On
    ArgKP train no argument is moved by it."""
    merge_cohesion: float = 0.0
    """No merge may leave a group whose members' mean pairwise similarity is below this."""
    split_below: float | None = 0.3
    """A theme whose members' mean pairwise similarity is below this is split in two, again
    and again, while each half keeps min_cluster_size_floor fragments (None: never split)."""
    rejoin_similarity: float | None = 0.38
    """After a split, pieces whose centres are at least this alike (the subject taken out
    afresh) are one point again and rejoined (None: pieces stay apart). Chosen on ArgKP
    train by min(ARI/0.35, recall/0.75): 0.34 → 1.043, 0.36 → 1.049, 0.38 → 1.054,
    0.40 → 0.971."""
    split_max_n: int = 5000
    """Largest stance group the split runs on: it costs ~2 s at 10k fragments but about a
    minute at 50k, where it would break the 4-minute budget."""


@dataclass(frozen=True, slots=True)
class ClusterResult:
    """Labels aligned with the input fragments: 0..k-1 for themes, -1 for singular views."""

    labels: tuple[int, ...]
    params_used: dict[str, Any] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        return len({lab for lab in self.labels if lab != SINGULAR})

    @property
    def singular_indices(self) -> tuple[int, ...]:
        return tuple(i for i, lab in enumerate(self.labels) if lab == SINGULAR)


def _tiny_labels(vectors: Vectors, threshold: float) -> npt.NDArray[np.int64]:
    """Agglomerative clustering for small groups; clusters of one become singular views."""
    n = vectors.shape[0]
    if n < 2:
        return np.full(n, SINGULAR, dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    raw = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=threshold
    ).fit_predict(vectors)
    counts = np.bincount(raw)
    return np.where(counts[raw] >= 2, raw, SINGULAR).astype(np.int64)


def _group_keys(fragments: Sequence[Fragment], split: bool) -> list[int]:
    return [f.kind.stance if split else 0 for f in fragments]


def cluster_fragments(
    fragments: Sequence[Fragment],
    vectors: Vectors,
    params: ClusterParams = ClusterParams(),
    about: Sequence[str] = (),
) -> ClusterResult:
    """Partition `fragments` (rows of `vectors`, unit-normalised) into themes and singulars.

    `about`: texts that say what the round is about (its question, the study's title); each
    fragment's own `question` is added. Their words are the round's subject and link no two
    fragments (`lexical.py`).

    Every fragment gets exactly one label; none is dropped. `params_used` records the
    parameters plus, per stance group, its size, the path taken and its number of themes.
    """
    n = len(fragments)
    if vectors.shape[0] != n:
        raise ValueError(f"{n} fragments but {vectors.shape[0]} vectors")
    global_labels = np.full(n, SINGULAR, dtype=np.int64)
    groups: dict[str, Any] = {}
    next_label = 0
    keys = _group_keys(fragments, params.split_by_stance)
    lexical = None
    if params.settle_positions and params.lexical_weight > 0:
        subject = [*about, *sorted({f.question for f in fragments if f.question})]
        lexical = lexical_vectors(
            [f.text for f in fragments], params.lexical_max_share, about=subject
        )
    for key in sorted(set(keys)):
        members = [i for i in range(n) if keys[i] == key]
        members.sort(key=lambda i: (fragments[i].id, i))
        sub = np.asarray(vectors[members], dtype=np.float32)
        notes: dict[str, Any] = {"size": len(members)}
        tiny = len(members) < params.tiny_n
        if tiny:
            notes["path"] = "agglomerative"
            local = _tiny_labels(sub, params.tiny_distance_threshold)
        else:
            local = density_groups(sub, params, notes)
        if params.settle_positions:
            local = settle_positions(
                sub,
                None if lexical is None else lexical[members],
                local,
                lexical_weight=params.lexical_weight,
                merge_similarity=params.merge_similarity,
                member_similarity=params.member_similarity,
                merge_cohesion=params.merge_cohesion,
                split_below=params.split_below if len(members) <= params.split_max_n else None,
                rejoin_similarity=params.rejoin_similarity,
                alone_below=params.alone_below,
                min_size=2 if tiny else params.min_cluster_size_floor,
            )
        found = sorted({int(x) for x in local if x != SINGULAR})
        mapping = {lab: next_label + j for j, lab in enumerate(found)}
        next_label += len(found)
        for pos, lab in zip(members, local, strict=True):
            if lab != SINGULAR:
                global_labels[pos] = mapping[int(lab)]
        notes["themes"] = len(found)
        groups[{1: "for", -1: "against", 0: "neutral"}[key]] = notes
    labels = _renumber(global_labels)
    used = asdict(params)
    used["groups"] = groups
    return ClusterResult(labels=tuple(int(x) for x in labels), params_used=used)


def _renumber(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Number themes by size (desc), then by first position in the input: a stable order."""
    first: dict[int, int] = {}
    size: dict[int, int] = {}
    for i, lab in enumerate(labels.tolist()):
        if lab != SINGULAR:
            first.setdefault(lab, i)
            size[lab] = size.get(lab, 0) + 1
    order = sorted(first, key=lambda lab: (-size[lab], first[lab]))
    remap = {old: new for new, old in enumerate(order)}
    return np.asarray([remap.get(int(x), SINGULAR) for x in labels], dtype=np.int64)


def counterpart_of(
    labels: Sequence[int], fragments: Sequence[Fragment], vectors: Vectors, min_sim: float = 0.5
) -> dict[int, int]:
    """For each one-sided argument theme, the most similar theme of the opposite stance
    (centroid cosine ≥ `min_sim`): the pairs a classifier can call contested."""
    stance: dict[int, int] = {}
    cents: dict[int, npt.NDArray[np.float32]] = {}
    for lab in sorted({x for x in labels if x != SINGULAR}):
        idx = [i for i, x in enumerate(labels) if x == lab]
        sides = {fragments[i].kind.stance for i in idx}
        if len(sides) == 1 and next(iter(sides)) != 0:
            stance[lab] = next(iter(sides))
            c = vectors[idx].mean(axis=0)
            cents[lab] = c / (np.linalg.norm(c) or 1.0)
    pairs: dict[int, int] = {}
    for lab, side in stance.items():
        best, best_sim = None, min_sim
        for other, other_side in stance.items():
            sim = float(cents[lab] @ cents[other])
            if other_side == -side and sim >= best_sim:
                best, best_sim = other, sim
        if best is not None:
            pairs[lab] = best
    return pairs
