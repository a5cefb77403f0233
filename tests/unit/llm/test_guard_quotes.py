"""Support is checked by identity for verbatim quotes and semantically for everything else."""

from __future__ import annotations

import pytest

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.pipeline.contracts import Embedder
from symphonia.pipeline.guard_support import (
    DEFAULT_SUPPORT_THRESHOLD,
    SupportScorer,
    substantive_words,
)

pytestmark = pytest.mark.model

ZH = "我認為，UBER 是一個可以創造彈性就業機會的商業模式。"
FRAGMENTS = {
    "c1": Fragment("c1", "P1", FragmentKind.CLAIM, ZH, 3, "polis-participants"),
    "c2": Fragment(
        "c2", "P2", FragmentKind.CLAIM, "Allow them to be at the forefront", 3, "parent_rep"
    ),
}


@pytest.fixture(scope="module")
def scorer(real_embedder: Embedder) -> SupportScorer:
    return SupportScorer(real_embedder, FRAGMENTS)


def test_a_verbatim_quote_inside_the_reports_framing_is_supported(scorer: SupportScorer) -> None:
    text = (
        f"Disputed (6 contributors from 1 stakeholder group): \u201c{ZH}\u201d "
        "Panel rating: 31% in the agreement band, median 2, IQR 2."
    )
    assert scorer.support(text, ["c1"]) == 1.0
    minority = (
        "A minority view held only by the parent_rep group (1 contributor): "
        "\u201cAllow them to be at the forefront\u201d"
    )
    assert scorer.support(minority, ["c2"]) == 1.0


def test_an_invented_claim_wrapped_around_a_real_quote_is_still_caught(
    scorer: SupportScorer,
) -> None:
    text = (
        "All experts demand that taxis be banned nationwide by next year: "
        "\u201cAllow them to be at the forefront\u201d"
    )
    assert substantive_words(text.split("\u201c")[0])
    assert scorer.support(text, ["c2"]) < DEFAULT_SUPPORT_THRESHOLD


def test_an_altered_quote_gets_no_free_pass(scorer: SupportScorer) -> None:
    altered = "Raised by 2 contributors: \u201cBan them from the forefront of decisions\u201d"
    assert scorer.support(altered, ["c2"]) < 1.0
