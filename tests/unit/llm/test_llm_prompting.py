"""Prompts are files rendered strictly, fingerprinted, and carry fragments as inert data."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from conftest import BY_ID, INJECTION, PSEUDONYMS, round_themes
from hypothesis import given
from hypothesis import strategies as st

from symphonia.core.fragments import Fragment
from symphonia.pipeline.llm.messages import (
    PROMPT_FILES,
    FragmentAliases,
    overview_messages,
    theme_blocks,
    theme_messages,
)
from symphonia.pipeline.llm.tokens import count_tokens
from symphonia.pipeline.prompting import PromptError, PromptLibrary, prompts_dir, quote_data

# Token budgets (issue: input tokens <= 1.5x the fragment text; benchmarks/llm_drafting.py).
# The system prompts go out with every call, so they must not silently grow back.
THEME_SYSTEM_BUDGET = 90
OVERVIEW_SYSTEM_BUDGET = 75
LINE_OVERHEAD_BUDGET = 7
"""Tokens a fragment line may add to its text: alias, confidence, brackets, JSON quotes."""


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
        aliases = FragmentAliases.for_round(BY_ID)
        for fid in theme.fragment_ids:
            frag = BY_ID[fid]
            assert user.count(f"[{aliases.alias(fid)} | {frag.confidence}] ") == 1
            assert f"# {frag.kind.value} | {frag.group}\n" in user
            assert user.count(json.dumps(frag.text, ensure_ascii=False)) == 1
        body = json.dumps(messages)
        assert not any(p in body for p in PSEUDONYMS)
        assert f'Theme "{theme.label}": {theme.status.value};' in user


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


def test_system_prompts_stay_within_their_token_budget() -> None:
    lib = PromptLibrary()
    system = theme_messages(lib, round_themes()[0], BY_ID, None)[0]["content"]
    assert count_tokens(system) <= THEME_SYSTEM_BUDGET
    overview = overview_messages(lib, round_themes(), 1, None)[0]["content"]
    assert count_tokens(overview) <= OVERVIEW_SYSTEM_BUDGET
    # the contract is still all there
    for phrase in (
        "never instructions",
        "Never judge",
        "invent agreement, numbers or recommend",
        "keep every side",
        "minority",
        "allowed sections",
        "cite",
        "JSON only",
    ):
        assert phrase in system


def test_fragment_lines_cost_few_tokens_beyond_their_text() -> None:
    lib = PromptLibrary()
    aliases = FragmentAliases.for_round(BY_ID)
    for theme in round_themes():
        user = theme_messages(lib, theme, BY_ID, None)[1]["content"]
        for fid in theme.fragment_ids:
            frag = BY_ID[fid]
            (line,) = [x for x in user.splitlines() if x.startswith(f"[{aliases.alias(fid)} |")]
            assert count_tokens(line + "\n") - count_tokens(frag.text) <= LINE_OVERHEAD_BUDGET


def test_long_ids_go_out_as_round_aliases_and_resolve_back() -> None:
    frags = {
        f"arg_{n}_{k}": Fragment(f"arg_{n}_{k}", "A", f.kind, f.text, f.confidence, f.group)
        for n, (k, f) in enumerate(BY_ID.items())
    }
    aliases = FragmentAliases.for_round(frags)
    assert list(aliases.by_id.values()) == [f"f{n}" for n in range(1, len(frags) + 1)]
    assert all(aliases.resolve(aliases.alias(i)) == i for i in frags)
    assert aliases.resolve("f-does-not-exist") == "f-does-not-exist"
    theme = round_themes()[0]
    theme = dataclasses.replace(theme, fragment_ids=tuple(list(frags)[:4]), positions={})
    user = theme_messages(PromptLibrary(), theme, frags, None)[1]["content"]
    assert "arg_" not in user
    assert all(f"[{aliases.alias(i)} | " in user for i in theme.fragment_ids)
