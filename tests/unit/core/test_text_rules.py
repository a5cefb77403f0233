"""The text and id rules every way in applies: files, services and the web alike."""

from __future__ import annotations

import pytest

from symphonia.core.text_rules import ID_RULE, id_problem, unusable_character


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
