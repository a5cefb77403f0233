"""Theme descriptions: c-TF-IDF keywords, central-and-diverse representatives, stable order."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.contracts import Vectors
from symphonia.pipeline.describe import ClusterDescription, describe_clusters, lead_index

TEXTS = [
    ("nurses shortage on night shifts", 0),
    ("we cannot recruit nurses", 0),
    ("solar panels on the roof", 1),
    ("nurses leave because of burnout", 0),
    ("solar energy cuts the bills", 1),
    ("an unrelated singular view about parking", -1),
    ("nurses are exhausted", 0),
]


def _vectors(labels: list[int]) -> Vectors:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 8))
    v = np.stack([centres[lab] + 0.1 * rng.normal(size=8) for lab in labels])
    out: Vectors = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return out


@pytest.fixture
def described() -> list[ClusterDescription]:
    frags = [
        Fragment(id=f"f{i}", author="E01", kind=FragmentKind.CLAIM, text=t)
        for i, (t, _) in enumerate(TEXTS)
    ]
    labels = [lab for _, lab in TEXTS]
    return describe_clusters(frags, _vectors(labels), labels)


def test_order_ids_and_singulars(described: list[ClusterDescription]) -> None:
    assert [d.cluster for d in described] == [0, 1]  # size desc; singular (-1) not a theme
    assert described[0].fragment_ids == ("f0", "f1", "f3", "f6")  # input order
    assert described[1].fragment_ids == ("f2", "f4")


def test_keywords_are_distinctive(described: list[ClusterDescription]) -> None:
    assert described[0].keywords[0] == "nurses"
    assert "solar" in described[1].keywords
    assert "the" not in described[1].keywords  # stop words removed
    assert "nurses" in described[0].label


def test_representatives_central_and_unique(described: list[ClusterDescription]) -> None:
    for d in described:
        reps = d.representative_ids
        assert 1 <= len(reps) <= 3
        assert len(set(reps)) == len(reps)
        assert set(reps) <= set(d.fragment_ids)


def test_mmr_prefers_diversity() -> None:
    # Four near-duplicates (the most central by count) and two different in-theme fragments:
    # pure centrality would show three near-duplicates; MMR shows the theme's range.
    angles = [0.0, 0.005, 0.01, 0.015, 0.6, 0.62]
    v = np.array([[np.cos(a), np.sin(a)] for a in angles], dtype=np.float32)
    frags = [
        Fragment(id=f"f{i}", author="E01", kind=FragmentKind.CLAIM, text=f"text {i}")
        for i in range(6)
    ]
    reps = describe_clusters(frags, v, [0] * 6)[0].representative_ids
    assert reps[0] in {"f0", "f1", "f2", "f3"}  # the most central comes first
    assert {"f4", "f5"} & set(reps), reps


def test_stop_word_only_theme_gets_a_fallback_label() -> None:
    frags = [
        Fragment(id=f"f{i}", author="E01", kind=FragmentKind.CLAIM, text="it is what it is")
        for i in range(2)
    ]
    d = describe_clusters(frags, np.eye(2, 4, dtype=np.float32), [0, 0])
    assert d[0].label.startswith("it is")
    assert d[0].keywords == ()


def test_misaligned_input_is_refused() -> None:
    frag = Fragment(id="f", author="E01", kind=FragmentKind.CLAIM, text="x y")
    with pytest.raises(ValueError, match="aligned"):
        describe_clusters([frag], np.zeros((2, 3), dtype=np.float32), [0])


def test_pipeline_import_is_light() -> None:
    """Importing the pipeline stages must not pull in torch, sentence-transformers, hdbscan,
    umap, litestar or sqlalchemy: heavy libraries live inside the adapters."""
    code = (
        "import sys, symphonia.core, symphonia.pipeline.embed, symphonia.pipeline.cluster, "
        "symphonia.pipeline.describe, symphonia.pipeline.embedding_cache, "
        "symphonia.pipeline.reduce\n"
        "bad = [m for m in ('torch', 'sentence_transformers', 'hdbscan', 'umap', 'litestar', "
        "'sqlalchemy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_lead_is_the_fragment_other_contributors_echo() -> None:
    """A prolific contributor's three identical fragments pull the centroid to them; the lead
    is still the fragment the *other* contributors' fragments are most alike to."""
    e1, e2 = np.eye(2, 8, dtype=np.float32)
    mix = (e1 + e2) / np.sqrt(2)
    vecs = np.stack([e1, e1, e1, mix, mix]).astype(np.float32)
    authors = ["E01", "E01", "E01", "E02", "E03"]
    assert lead_index(vecs, authors) == 3
    frags = [
        Fragment(id=f"f{i}", author=a, kind=FragmentKind.CLAIM, text=f"point {i}")
        for i, a in enumerate(authors)
    ]
    assert describe_clusters(frags, vecs, [0] * 5)[0].representative_ids[0] == "f3"


def test_an_off_topic_fragment_never_leads_its_theme() -> None:
    rng = np.random.default_rng(2)
    topic = rng.normal(size=16)
    vecs = topic + 0.2 * rng.normal(size=(6, 16))
    vecs[5] = rng.normal(size=16)  # unlike everyone, but the only fragment of its author
    vecs = np.asarray(vecs / np.linalg.norm(vecs, axis=1, keepdims=True), dtype=np.float32)
    assert lead_index(vecs, ["A", "B", "C", "D", "E", "F"]) != 5
    assert lead_index(vecs[:1], ["A"]) == 0
    assert lead_index(vecs[:3], ["A", "A", "A"]) in {0, 1, 2}, "one contributor: most central"


def test_the_rounds_own_subject_is_never_a_keyword() -> None:
    texts = ["Connected ICB needs nurses", "Connected ICB nurses leave", "Connected ICB solar roof"]
    frags = [
        Fragment(id=f"f{i}", author=f"E{i}", kind=FragmentKind.CLAIM, text=t)
        for i, t in enumerate(texts)
    ]
    labels = [0, 0, 1]
    plain = describe_clusters(frags, _vectors(labels), labels)
    about = describe_clusters(frags, _vectors(labels), labels, ["What should Connected ICB do?"])
    subject_only = {"connected", "icb", "connected icb"}
    assert subject_only & {k for d in plain for k in d.keywords}
    for d in about:
        assert not subject_only & set(d.keywords), d.keywords  # "icb needs" may stay
    assert about[0].keywords[0] == "nurses"
