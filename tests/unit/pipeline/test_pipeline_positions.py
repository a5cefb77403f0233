"""The positions pass: merge near-duplicate groups, settle each fragment on its nearest centre."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.cluster import SINGULAR, cluster_fragments
from symphonia.pipeline.lexical import content_words, lexical_vectors, stem
from symphonia.pipeline.position_space import position_space
from symphonia.pipeline.positions import (
    merge_close_groups,
    settle,
    settle_positions,
    subject_removed,
)
from symphonia.pipeline.splitting import split_loose_groups


def centres(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1
    c = np.stack([vectors[labels == t].mean(axis=0) for t in range(k)])
    return np.asarray(c / np.linalg.norm(c, axis=1, keepdims=True))


def test_words_are_stemmed_and_stop_words_dropped() -> None:
    assert stem("bullying") == stem("bullied") == stem("bullies") == "bully"
    assert stem("uses") == "use"
    assert content_words("The costs of uniforms are costly!") == ["cost", "uniform", "cost"]
    assert content_words("Écoles et élèves") == ["écol", "et", "élèv"]


def test_lexical_vectors_keep_only_words_that_link_fragments() -> None:
    texts = ["uniforms reduce bullying", "bullying drops with uniforms", "uniforms cost money"]
    matrix = lexical_vectors(texts, max_share=0.9)
    assert matrix is not None
    dense = matrix.toarray()
    assert dense.shape[0] == 3
    np.testing.assert_allclose(np.linalg.norm(dense, axis=1), [1.0, 1.0, 0.0])
    sims = dense @ dense.T
    assert sims[0, 1] > 0.99, "same point, same shared word"
    assert sims[0, 2] == pytest.approx(0.0), "'uniform' is in every text: the subject, ignored"
    # "bullying" is the round's own subject: with it gone, no word links two fragments
    assert lexical_vectors(texts, max_share=0.9, about=["Should schools ban bullying?"]) is None
    assert lexical_vectors(["one text"]) is None
    assert lexical_vectors(["alpha beta", "gamma delta"]) is None, "no word is shared"


def test_near_duplicate_groups_are_merged(blobs_factory: Any) -> None:
    vecs = blobs_factory(12, 2, noise=0.05)
    space = position_space(vecs, None, 0.0)
    halves = np.array([0] * 6 + [1] * 6 + [2] * 12)
    merged = merge_close_groups(space, halves, threshold=0.9)
    assert merged.tolist() == [0] * 12 + [1] * 12
    assert merge_close_groups(space, halves, threshold=1.01).tolist() == halves.tolist()


def test_an_outlier_is_not_absorbed_and_a_small_position_keeps_its_theme(
    blobs_factory: Any,
) -> None:
    big, small = blobs_factory(30, 1, seed=1), blobs_factory(3, 1, seed=2)
    stray = np.random.default_rng(9).normal(size=(1, big.shape[1])).astype(np.float32)
    stray /= np.linalg.norm(stray)
    vecs = np.vstack([big, small, stray])
    start = np.array([0] * 33 + [SINGULAR])  # the density step lumped the small one in
    labels = settle(position_space(vecs, None, 0.0), start, member_similarity=0.35, min_size=3)
    assert labels[-1] == SINGULAR
    assert len(set(labels[:30].tolist())) == 1
    # a lumped-in small position is not split out by settling alone: the density step must
    # find it, which `cluster_fragments` does (next test)
    frags = [
        Fragment(id=f"f{i:02d}", author=f"E{i % 5}", kind=FragmentKind.CLAIM, text="t")
        for i in range(len(vecs))
    ]
    found = cluster_fragments(frags, vecs).labels
    assert found[-1] == SINGULAR
    assert len({found[i] for i in range(30, 33)}) == 1
    assert found[30] not in found[:30]


def test_shared_words_split_what_the_embedding_alone_would_join() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=16)
    vecs = base + 0.3 * rng.normal(size=(12, 16))
    vecs = np.asarray(vecs / np.linalg.norm(vecs, axis=1, keepdims=True), dtype=np.float32)
    texts = [
        f"{'uniforms reduce bullying at school' if i < 6 else 'uniforms cost families money'} {i}"
        for i in range(12)
    ]
    one = np.zeros(12, dtype=np.int64)
    settings = {"merge_similarity": None, "member_similarity": 0.2, "min_size": 3}
    plain = settle_positions(vecs, None, one, lexical_weight=0.0, split_below=0.8, **settings)
    worded = settle_positions(
        vecs, lexical_vectors(texts), one, lexical_weight=0.5, split_below=0.8, **settings
    )
    assert plain.tolist() == [0] * 12
    assert worded.tolist() == [0] * 6 + [1] * 6


def test_misaligned_input_is_refused() -> None:
    vecs = np.eye(3, 4, dtype=np.float32)
    with pytest.raises(ValueError, match="aligned"):
        settle_positions(
            vecs,
            None,
            np.zeros(2, dtype=np.int64),
            lexical_weight=0.0,
            merge_similarity=None,
            member_similarity=0.3,
            min_size=2,
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    groups=st.integers(1, 6),
    per=st.integers(1, 15),
    noise=st.floats(0.05, 1.5),
    start_k=st.integers(1, 8),
    min_size=st.integers(2, 4),
    member_similarity=st.floats(0.0, 0.6),
    weight=st.sampled_from([0.0, 0.5]),
    split=st.sampled_from([None, 0.3]),
    rejoin=st.sampled_from([None, 0.38]),
)
def test_settled_themes_are_coherent(
    seed: int,
    groups: int,
    per: int,
    noise: float,
    start_k: int,
    min_size: int,
    member_similarity: float,
    weight: float,
    split: float | None,
    rejoin: float | None,
) -> None:
    """Every member is at least `member_similarity` alike to its own centre and no closer to
    another theme's centre; every theme has `min_size` members; nothing is lost."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=(groups, 12))
    vecs = np.repeat(centre, per, axis=0) + noise * rng.normal(size=(groups * per, 12))
    vecs = np.asarray(vecs / np.linalg.norm(vecs, axis=1, keepdims=True), dtype=np.float32)
    words = ["tax", "school", "cost", "nurse", "data", "safety", "time", "trust"]
    texts = [" ".join(rng.choice(words, size=3)) for _ in range(len(vecs))]
    start = rng.integers(-1, start_k, size=len(vecs))
    lexical = lexical_vectors(texts)
    labels = settle_positions(
        vecs,
        lexical,
        start,
        lexical_weight=weight,
        merge_similarity=0.8,
        member_similarity=member_similarity,
        min_size=min_size,
        split_below=split,
        rejoin_similarity=rejoin,
    )
    assert labels.shape == (len(vecs),)
    if (labels == SINGULAR).all():
        return
    k = int(labels.max()) + 1
    assert sorted(set(labels.tolist()) - {SINGULAR}) == list(range(k))
    assert np.bincount(labels[labels >= 0]).min() >= min_size
    space = position_space(vecs, lexical, weight)
    sims = space.similarity_to_centres(labels, k)
    for i, lab in enumerate(labels.tolist()):
        if lab == SINGULAR:
            assert sims[i].max() < member_similarity + 1e-9
        else:
            assert sims[i, lab] >= member_similarity - 1e-9
            assert sims[i, lab] >= sims[i].max() - 1e-9


def test_a_loose_group_is_split_into_its_points(blobs_factory: Any) -> None:
    vecs = blobs_factory(5, 3, noise=0.1, seed=4)
    space = position_space(vecs, None, 0.0)
    lumped = np.zeros(15, dtype=np.int64)
    assert space.rows(np.arange(15)).cohesion() < 0.5
    split = split_loose_groups(space, lumped, floor=0.5, min_size=3)
    assert sorted(np.bincount(split).tolist()) == [5, 5, 5]
    for blob in range(3):
        assert len(set(split[blob * 5 : blob * 5 + 5].tolist())) == 1
    assert split_loose_groups(space, lumped, floor=0.5, min_size=6).tolist() == [0] * 15
    assert split_loose_groups(space, lumped, floor=0.0, min_size=3).tolist() == [0] * 15


def test_a_position_split_in_many_groups_has_one_vote_in_the_subject() -> None:
    """Ten near-identical groups (one position the density step cut up) and three distinct
    ones: the subject is the mean of four directions, not the majority's own."""
    axes = np.eye(4, dtype=np.float32)
    rng = np.random.default_rng(0)
    majority = axes[0] + 0.01 * rng.normal(size=(10, 4)).astype(np.float32)
    vectors = np.vstack([majority, axes[1:]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.arange(13, dtype=np.int64)
    subject = vectors[0] - subject_removed(vectors, labels)[0]
    assert np.allclose(subject, axes.mean(axis=0), atol=0.01)
