"""Readable theme labels: drawn from a theme's central fragments, or proposed by the model and
kept only when the guard finds every word of it in the theme's own fragments (issue 12 §5)."""

from __future__ import annotations

from dataclasses import replace

from conftest import BY_ID, SINGULAR, llm_settings, make_theme, round_themes
from hypothesis import given
from hypothesis import strategies as st

from symphonia.pipeline.llm.drafter import LLMDrafter
from symphonia.pipeline.theme_labels import (
    MAX_WORDS,
    apply_model_labels,
    check_label,
    extractive_label,
    readable_labels,
)
from tests.fakes.openai_server import FakeOpenAIServer


def _words_of(theme_ids: tuple[str, ...]) -> set[str]:
    return {w.strip(".,;:").lower() for fid in theme_ids for w in BY_ID[fid].text.split()}


def test_a_label_is_a_phrase_of_a_central_fragment_not_a_keyword_list() -> None:
    theme = make_theme("t1", "shared care records", ["f1", "f2", "f3"])
    label = extractive_label(theme, BY_ID)
    assert label == "Shared care records let GPs see hospital discharge letters"
    assert len(label.split()) <= MAX_WORDS
    assert {w.lower() for w in label.split()} <= _words_of(theme.fragment_ids)


def test_a_contested_theme_is_labelled_by_both_camps() -> None:
    theme = make_theme("t2", "referral triage / referral triage", ["f5", "f6", "f7", "f8"])
    theme = replace(theme, representative_ids=("f5", "f7"))
    assert set(theme.positions) >= {"for", "against"}
    label = extractive_label(theme, BY_ID)
    first, second = label.split(" / ")
    assert first.startswith("Automated triage of referrals")
    assert second.startswith("Automated referral triage risks")


def test_readable_labels_keep_ids_members_and_status() -> None:
    themes = round_themes()
    labelled = readable_labels(themes, BY_ID)
    assert [(t.id, t.fragment_ids, t.status) for t in labelled] == [
        (t.id, t.fragment_ids, t.status) for t in themes
    ]
    assert all(new.label != old.label for new, old in zip(labelled, themes, strict=True))


def test_the_guard_refuses_a_label_naming_what_the_theme_never_said() -> None:
    theme = make_theme("t1", "shared care records", ["f1", "f2", "f3"])
    assert check_label("Shared care records cut duplicate tests", theme, BY_ID) is None
    problem = check_label("Blockchain for shared records", theme, BY_ID)
    assert problem is not None
    assert "Blockchain" in problem
    numbers = check_label("Shared records cut tests by 40%", theme, BY_ID)
    assert numbers is not None
    assert "40%" in numbers
    assert check_label("", theme, BY_ID) is not None
    too_long = " ".join(["shared"] * (MAX_WORDS + 4))
    assert "words" in (check_label(too_long, theme, BY_ID) or "")


@given(st.text(alphabet=st.characters(categories=["L", "N", "Zs", "P"]), max_size=80))
def test_an_accepted_label_only_uses_the_themes_words(label: str) -> None:
    theme = make_theme("t3", "patient access log", ["f9", "f10"])
    if check_label(label, theme, BY_ID) is None:
        [[labelled], record] = apply_model_labels([theme], {"t3": label}, BY_ID)
        assert record["t3"]["origin"] == "llm"
        assert labelled.label == " ".join(label.split())


def test_model_labels_are_used_where_the_guard_accepts_them_and_recorded() -> None:
    themes = readable_labels(round_themes(), BY_ID)
    proposed = {"t1": "Shared care record  results", "t2": "Quantum referral governance"}
    labelled, record = apply_model_labels(themes, proposed, BY_ID)
    by_id = {t.id: t for t in labelled}
    assert by_id["t1"].label == "Shared care record results"
    assert record["t1"] == {"origin": "llm", "extractive": themes[0].label}
    assert by_id["t2"].label == themes[1].label  # refused: keeps the fragments' own label
    assert record["t2"]["origin"] == "extractive"
    assert record["t2"]["rejected"] == "Quantum referral governance"
    assert "Quantum" in record["t2"]["reason"]
    assert "governance" in record["t2"]["reason"]
    assert "t3" not in record  # nothing proposed: nothing to record


def test_a_theme_shown_in_parts_keeps_its_part_after_a_model_label() -> None:
    theme = replace(make_theme("t1-a", "Shared care records (agreed)", ["f1", "f2"]))
    [labelled], _ = apply_model_labels([theme], {"t1-a": "Shared care record"}, BY_ID)
    assert labelled.label == "Shared care record (agreed)"


def test_the_llm_drafter_asks_for_labels_and_the_guard_keeps_faithful_ones() -> None:
    themes = readable_labels(round_themes(), BY_ID)
    with FakeOpenAIServer() as server:
        syn = LLMDrafter(llm_settings(server), backoff_base_s=0.01).draft(themes, SINGULAR, BY_ID)
        systems = [r["messages"][0]["content"] for r in server.requests]
    assert any("Label each theme" in s for s in systems)
    proposed = syn.meta["labels"]
    assert set(proposed) == {t.id for t in themes}
    labelled, record = apply_model_labels(themes, proposed, BY_ID)
    assert {r["origin"] for r in record.values()} == {"llm"}
    assert [t.label for t in labelled] == [proposed[t.id] for t in themes]


def test_an_invented_model_label_is_refused_and_the_reason_kept() -> None:
    themes = readable_labels(round_themes(), BY_ID)
    with FakeOpenAIServer("invented_label") as server:
        syn = LLMDrafter(llm_settings(server), backoff_base_s=0.01).draft(themes, SINGULAR, BY_ID)
    assert set(syn.meta["labels"].values()) == {"Blockchain ledger for quantum governance"}
    labelled, record = apply_model_labels(themes, syn.meta["labels"], BY_ID)
    assert [t.label for t in labelled] == [t.label for t in themes]
    assert all(r["origin"] == "extractive" and "Blockchain" in r["reason"] for r in record.values())
