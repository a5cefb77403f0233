"""Real-model checks (all-MiniLM-L6-v2 from site-packages, offline). Run with -m model."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.cluster import SINGULAR, cluster_fragments
from symphonia.pipeline.describe import describe_clusters
from symphonia.pipeline.embed import SentenceTransformerEmbedder

pytestmark = pytest.mark.model

TOPICS: dict[str, list[str]] = {
    "staffing": [
        "Wards are chronically short of nurses on night shifts.",
        "We cannot recruit enough nursing staff to cover the rota.",
        "Nurse vacancies leave the remaining staff exhausted and overworked.",
        "Agency nurses fill the gaps but cost the trust a fortune.",
        "Staff burnout is driving experienced nurses out of the profession.",
        "Night shifts regularly run with half the planned number of nurses.",
        "Recruitment campaigns for nurses have failed to fill the vacancies.",
        "Nursing workload has grown faster than the workforce.",
        "Too few nurses per patient makes safe care impossible on busy wards.",
        "Retention of senior nurses is the biggest staffing problem we face.",
    ],
    "data_sharing": [
        "Patient records cannot be shared between hospitals because systems are incompatible.",
        "Interoperability standards like FHIR would let GP and hospital data flow together.",
        "Consent rules for sharing health data are unclear to clinicians.",
        "Each trust uses a different electronic record system that cannot exchange data.",
        "Linking primary and secondary care records would avoid duplicate tests.",
        "Data protection worries stop teams from sharing records across organisations.",
        "A national data-sharing agreement would simplify access to patient records.",
        "Clinicians waste time re-entering data that exists in another system.",
        "Secure data environments allow records to be analysed without leaving the NHS.",
        "Incompatible record formats block the exchange of clinical data.",
    ],
    "climate": [
        "Anaesthetic gases make up a large share of the hospital's carbon emissions.",
        "Switching the ambulance fleet to electric vehicles would cut emissions.",
        "Hospital buildings waste energy through poor insulation and old boilers.",
        "Single-use plastics in theatres create huge amounts of waste.",
        "Solar panels on hospital roofs could lower energy bills and emissions.",
        "Reducing the carbon footprint of inhalers is an easy climate win.",
        "Heating and lighting the estate is the trust's biggest energy cost.",
        "Recycling clinical waste properly would reduce landfill.",
        "A net zero plan needs targets for emissions from the supply chain.",
        "Heatwaves are making older wards dangerously hot for patients.",
    ],
}


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_paraphrases_are_closer_than_unrelated(embedder: SentenceTransformerEmbedder) -> None:
    ticks: list[tuple[int, int]] = []
    v = embedder.embed(
        [
            "The hospital does not have enough nurses.",
            "There is a shortage of nursing staff at the hospital.",
            "Solar panels could reduce the electricity bill.",
        ],
        progress=lambda _step, done, total: ticks.append((done, total)),
    )
    assert embedder.loaded
    assert v.dtype == np.float32
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.3
    assert ticks[-1] == (3, 3)


def test_three_topics_are_recovered(embedder: SentenceTransformerEmbedder) -> None:
    fragments: list[Fragment] = []
    truth: list[str] = []
    for topic, texts in TOPICS.items():
        for i, text in enumerate(texts):
            fragments.append(
                Fragment(id=f"{topic}-{i}", author=f"E{i:02d}", kind=FragmentKind.CLAIM, text=text)
            )
            truth.append(topic)
    vectors = embedder.embed([f.text for f in fragments])
    labels = cluster_fragments(fragments, vectors).labels
    assert 3 <= len({lab for lab in labels if lab != SINGULAR}) <= 6
    for topic in TOPICS:
        mine = Counter(lab for lab, t in zip(labels, truth, strict=True) if t == topic)
        assert sum(c for lab, c in mine.items() if lab != SINGULAR) >= 8, f"{topic}: {mine}"
        others = {lab for lab, t in zip(labels, truth, strict=True) if t != topic}
        assert not (set(mine) - {SINGULAR}) & others, "no theme mixes two topics"
    described = describe_clusters(fragments, vectors, labels)
    words = " ".join(" ".join(d.keywords) for d in described)
    assert "nurses" in words or "nursing" in words
    assert any(w in words for w in ("data", "records"))
