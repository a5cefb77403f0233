"""Support scores with the real embedding model, and the LLM drafter end to end against
hostile replies: nothing invalid or mis-sectioned may pass the guard unflagged."""

from __future__ import annotations

import pytest
from conftest import BY_ID, HOSTILE, INJECTION, SINGULAR, llm_settings, make_theme, round_themes

from symphonia.core.classify import classify_by_content
from symphonia.core.synthesis import Section, Statement, Synthesis
from symphonia.core.themes import ThemeStatus
from symphonia.pipeline.contracts import Embedder
from symphonia.pipeline.draft_extractive import ExtractiveDrafter
from symphonia.pipeline.guard import DEFAULT_SUPPORT_THRESHOLD, guard_synthesis
from symphonia.pipeline.guard_policy import allowed_sections
from symphonia.pipeline.llm import LLMDrafter
from tests.fakes.openai_server import FakeOpenAIServer, is_overview

pytestmark = pytest.mark.model


def llm_draft(behaviour: str, themes: list, embedder: Embedder) -> Synthesis:  # type: ignore[type-arg]
    with FakeOpenAIServer(behaviour) as server:
        drafter = LLMDrafter(llm_settings(server), backoff_base_s=0.01)
        syn = drafter.draft(themes, SINGULAR, BY_ID, "How should the ICB use data?")
    return guard_synthesis(syn, themes, SINGULAR, BY_ID, embedder)


def test_extractive_statements_pass_support(real_embedder: Embedder) -> None:
    themes = round_themes()
    syn = ExtractiveDrafter().draft(themes, SINGULAR, BY_ID)
    guarded = guard_synthesis(syn, themes, SINGULAR, BY_ID, real_embedder)
    for s in guarded.statements:
        assert s.guard["support"] >= DEFAULT_SUPPORT_THRESHOLD, (s.id, s.guard)
        assert s.guard["ok"], (s.id, s.guard)


@pytest.mark.parametrize(
    "text",
    [
        "The recipe needs two cups of flour and an egg.",
        "Quarterly revenue rose sharply, driven by cloud services.",
        "Football clubs should lower ticket prices for students.",
    ],
)
def test_unrelated_text_fails_support(real_embedder: Embedder, text: str) -> None:
    themes = round_themes()
    st = Statement("x", "t1", Section.CONSENSUS, text, ("f1", "f2", "f3"), origin="llm")
    guarded = guard_synthesis(Synthesis((st,), "llm"), themes, SINGULAR, BY_ID, real_embedder)
    verdict = guarded.statements[0].guard
    assert verdict["support"] < DEFAULT_SUPPORT_THRESHOLD
    assert "unsupported" in [f["code"] for f in verdict["flags"]]


def test_good_llm_draft_passes_the_guard(real_embedder: Embedder) -> None:
    guarded = llm_draft("good", round_themes(), real_embedder)
    assert [(s.id, s.guard["flags"]) for s in guarded.statements if not s.guard["ok"]] == []
    assert guarded.ledger == ()


@pytest.mark.parametrize("behaviour", HOSTILE)
def test_hostile_replies_never_pass_unflagged(real_embedder: Embedder, behaviour: str) -> None:
    themes = round_themes()
    by_id = {t.id: t for t in themes}
    guarded = llm_draft(behaviour, themes, real_embedder)
    for s in guarded.statements:
        if s.theme_id is None:
            continue
        theme = by_id[s.theme_id]
        invalid = any(c not in theme.fragment_ids for c in s.citations)
        wrong_section = s.section not in allowed_sections(theme)
        assert not wrong_section, s
        if invalid:
            assert not s.guard["ok"], s
    assert guarded.ledger == ()  # omitted sides were restored, not lost
    codes = {f["code"] for s in guarded.statements for f in s.guard["flags"]}
    expected = {
        "hallucinated_ids": "invalid_citation",
        "foreign_ids": "citation_outside_theme",
        "contested_as_consensus": "section_overridden",
        "invented_percent": "number_mismatch",
        "echo_injection": "overstated_agreement",
    }.get(behaviour)
    if expected:
        assert expected in codes
    if behaviour == "omit_minority_side":
        assert any(s.origin == "extractive-restored" for s in guarded.statements)


def test_injection_in_a_contested_theme_changes_nothing(real_embedder: Embedder) -> None:
    ids = ["f5", "f6", "f7", "f8", "f4"]  # f4 is the injection, now inside the debate
    members = [BY_ID[i] for i in ids]
    assert classify_by_content(members).status is ThemeStatus.CONTESTED
    themes = [make_theme("t2", "automated referral triage", ids)]
    assert themes[0].status is ThemeStatus.CONTESTED
    with FakeOpenAIServer("echo_injection") as server:
        syn = LLMDrafter(llm_settings(server), backoff_base_s=0.01).draft(themes, [], BY_ID)
        # the theme request, whichever of the two concurrent calls reached the server first
        (prompt,) = [r["messages"][1]["content"] for r in server.requests if not is_overview(r)]
    guarded = guard_synthesis(syn, themes, [], BY_ID, real_embedder)
    assert themes[0].status is ThemeStatus.CONTESTED  # classification is data, not drafted
    assert all(s.section is not Section.CONSENSUS for s in guarded.statements)
    echoed = [s for s in guarded.statements if "full consensus" in s.text]
    assert echoed
    assert all(not s.guard["ok"] for s in echoed)
    codes = {f["code"] for s in echoed for f in s.guard["flags"]}
    assert {"section_overridden", "overstated_agreement", "overstated_strength"} <= codes
    # the injection went to the model as quoted data and is still reported as content
    assert f'"{INJECTION}"' in prompt
    assert any("f4" in s.citations for s in guarded.statements)
