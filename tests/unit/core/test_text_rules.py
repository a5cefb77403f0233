"""The text and id rules every way in applies: files, services and the web alike."""

from __future__ import annotations

import pytest

from symphonia.core.fragments import MAX_ID_CHARS, Fragment, FragmentKind, Rating
from symphonia.core.study import (
    Panellist,
    RatingItem,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.core.text_rules import (
    ID_RULE,
    IDENTIFIER,
    field_path,
    fragment_text_problems,
    id_problem,
    item_text_problems,
    nested_text_problems,
    rating_text_problems,
    refusal_summary,
    study_text_problems,
    unusable_character,
)


@pytest.mark.parametrize(
    ("char", "name"),
    [("\x00", "NUL"), ("\x1b", "ESC"), ("\x7f", "DEL"), ("\x85", "NEL"), ("\x9b", "CSI")],
    ids=lambda v: v if len(v) > 1 else f"U+{ord(v):04X}",
)
def test_control_characters_c0_del_and_c1_are_unusable(char: str, name: str) -> None:
    reason = unusable_character(f"ab{char}c")
    assert reason is not None, name
    assert f"U+{ord(char):04X}" in reason
    assert "at character 3" in reason


@pytest.mark.parametrize("text", ["tab\there", "lines\r\nand\nmore", "café ☕ – “quoted”", "\xa0"])
def test_ordinary_text_is_usable(text: str) -> None:
    assert unusable_character(text) is None


@pytest.mark.parametrize("char", ["\ud800", "\ufffe", "\U0010ffff", "\ufdd0"])
def test_surrogates_and_non_characters_are_unusable(char: str) -> None:
    assert unusable_character(char) is not None


def test_id_rule() -> None:
    assert id_problem("f-01.a_b") is None
    assert id_problem("F 12") == f'"F 12" is not a valid id; {ID_RULE}'
    assert id_problem("x\n") is not None
    assert id_problem("x" * 65) == "is 65 characters long; the limit is 64"


def test_a_study_definition_built_in_python_has_its_texts_checked() -> None:
    study = StudyDefinition(
        id="s",
        title="T\x00",
        question="Q",
        description="fine",
        groups=(StakeholderGroup("g", "G\x1b"),),
        panel=(Panellist("E01", "g", name="N\x9b"),),
        rounds=(RoundDefinition(1, RoundKind.CONTRIBUTE, fragments="f\x7f.jsonl"),),
    )
    assert [field for field, _ in study_text_problems(study)] == [
        "study.title",
        "groups[0].name",
        "panel[0].name",
        "rounds[0].fragments",
    ]
    clean = StudyDefinition(id="s", title="T", question="Q\twith a tab")
    assert study_text_problems(clean) == []


def test_record_checks_name_each_field() -> None:
    fragment = Fragment("f 1", "E01", FragmentKind.CLAIM, "ok", sources=("a", "b\x00"))
    assert [f for f, _ in fragment_text_problems(fragment)] == ["id", "sources[1]"]
    item = RatingItem("s1", "t\x85", ("F 12",))  # a reference need not follow the id rule
    assert [f for f, _ in item_text_problems(item)] == ["text"]
    assert [f for f, _ in rating_text_problems(Rating("s1", "E\x01", 5))] == ["rater"]


def test_nested_values_are_checked_by_path() -> None:
    raw = {"study": {"title": "x\x00"}, "panel": [{"name": "ok"}, {"name": "\x07"}]}
    assert [f for f, _ in nested_text_problems(raw)] == ["study.title", "panel[1].name"]
    assert field_path(("panel", 3, "group")) == "panel[3].group"


def test_every_refusal_is_summed_up_in_one_form() -> None:
    assert refusal_summary("f.jsonl", 3) == "f.jsonl: 3 problem(s); nothing was imported"
    assert refusal_summary("", "50+", "nothing was written") == (
        "50+ problem(s); nothing was written"
    )


def test_the_id_pattern_follows_the_id_length_limit() -> None:
    assert id_problem("x" * MAX_ID_CHARS) is None
    assert str(MAX_ID_CHARS - 1) in IDENTIFIER.pattern
