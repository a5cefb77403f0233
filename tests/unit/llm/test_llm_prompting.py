"""Prompts are files rendered strictly, fingerprinted, and carry fragments as inert data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import BY_ID, INJECTION, PSEUDONYMS, round_themes
from hypothesis import given
from hypothesis import strategies as st

from symphonia.pipeline.llm.messages import PROMPT_FILES, theme_blocks, theme_messages
from symphonia.pipeline.prompting import PromptError, PromptLibrary, prompts_dir, quote_data


def test_missing_variable_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("Theme: {{ label }} / {{ status }}")
    lib = PromptLibrary(tmp_path)
    with pytest.raises(PromptError, match="status"):
        lib.render("t.j2", label="x")


def test_no_html_escaping(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("{{ text }}")
    assert PromptLibrary(tmp_path).render("t.j2", text="a < b & 'c'").text == "a < b & 'c'\n"


def test_prompts_dir_from_env_and_missing_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYMPHONIA_PROMPTS_DIR", str(tmp_path))
    assert prompts_dir() == tmp_path
    monkeypatch.setenv("SYMPHONIA_PROMPTS_DIR", str(tmp_path / "nope"))
    with pytest.raises(PromptError, match="SYMPHONIA_PROMPTS_DIR"):
        prompts_dir()


def test_repo_prompts_exist_and_hash_is_source_sha256() -> None:
    lib = PromptLibrary()
    for name in PROMPT_FILES:
        expected = hashlib.sha256((lib.directory / name).read_bytes()).hexdigest()
        assert lib.sha256(name) == expected
    assert lib.render("theme_system.j2").sha256 == lib.sha256("theme_system.j2")


@given(st.text(max_size=200))
def test_quote_data_round_trips_and_cannot_close_a_block(text: str) -> None:
    quoted = quote_data(text)
    assert json.loads(quoted) == text
    assert "</" not in quoted
    assert "\n" not in quoted


def test_theme_prompt_has_ids_kinds_groups_but_no_authors() -> None:
    lib = PromptLibrary()
    for theme in round_themes():
        messages = theme_messages(lib, theme, BY_ID, "q?")
        user = messages[1]["content"]
        for fid in theme.fragment_ids:
            frag = BY_ID[fid]
            assert user.count(f"[{fid} | {frag.confidence}] ") == 1
            assert f"# {frag.kind.value} | {frag.group}\n" in user
            assert user.count(json.dumps(frag.text, ensure_ascii=False)) == 1
        body = json.dumps(messages)
        assert not any(p in body for p in PSEUDONYMS)
        assert f"Status: {theme.status.value}" in user


def test_contested_fragments_grouped_by_side_once_each() -> None:
    contested = round_themes()[1]
    blocks = theme_blocks(contested, BY_ID)
    assert [b["side"] for b in blocks] == ["for", "against"]
    views = [f for b in blocks for run in b["runs"] for f in run["fragments"]]
    assert sorted(f["id"] for f in views) == sorted(contested.fragment_ids)
    assert all("author" not in f for f in views)


def test_injection_stays_inside_the_quoted_block() -> None:
    user = theme_messages(PromptLibrary(), round_themes()[0], BY_ID, None)[1]["content"]
    start, end = user.index("<fragments>"), user.index("</fragments>")
    pos = user.index(INJECTION)
    assert start < pos < end
    assert user[pos - 1] == '"'
