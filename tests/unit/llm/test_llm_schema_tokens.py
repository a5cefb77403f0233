"""Replies are validated strictly; token counting works offline."""

from __future__ import annotations

import json

import pytest

from symphonia.pipeline.llm.schema import (
    DraftReply,
    OverviewReply,
    ReplyInvalid,
    parse_reply,
    response_format,
    statements_by_theme,
)
from symphonia.pipeline.llm.tokens import ApproxCounter, count_tokens, token_counter

STATEMENT = {"section": "gap", "text": "t", "fragment_ids": ["1"], "strength": "weak"}
GOOD = {"themes": [{"theme": "A", "statements": [STATEMENT]}]}


def reply(*statements: dict[str, object], **part: object) -> str:
    return json.dumps({"themes": [{"theme": "A", "statements": list(statements), **part}]})


def test_valid_reply_and_fenced_reply() -> None:
    parsed = parse_reply(json.dumps(GOOD), DraftReply)
    assert parsed.themes[0].theme == "A"
    assert parsed.themes[0].statements[0].fragment_ids == ["1"]
    fenced = "```json\n" + json.dumps(GOOD) + "\n```"
    assert parse_reply(fenced, DraftReply).themes[0].statements[0].section == "gap"
    assert parse_reply("Sure! " + json.dumps(GOOD) + " Done.", DraftReply).themes


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (json.dumps(GOOD)[:40], "not valid JSON"),
        ("{statements: [", "not valid JSON"),
        ("no json here", "no JSON object"),
        (json.dumps({"items": []}), "schema"),
        (json.dumps({"themes": []}), "schema"),
        (json.dumps({"statements": [STATEMENT]}), "schema"),  # the part without its theme
        (json.dumps({"themes": [{"statements": [STATEMENT]}]}), "schema"),
        (reply(), "schema"),
        (reply(STATEMENT, extra=1), "schema"),
        (reply({**STATEMENT, "section": "summary"}), "schema"),
        (reply({**STATEMENT, "strength": "total"}), "schema"),
        (reply({**STATEMENT, "fragment_ids": [1]}), "schema"),
        (reply({**STATEMENT, "extra": 1}), "schema"),
        (reply({**STATEMENT, "text": ""}), "schema"),
    ],
)
def test_invalid_replies_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(ReplyInvalid, match=reason):
        parse_reply(raw, DraftReply)


def test_reply_parts_by_theme_key() -> None:
    two = {"themes": [{"theme": k, "statements": [STATEMENT]} for k in ("B", "A")]}
    parts = statements_by_theme(parse_reply(json.dumps(two), DraftReply), ["A", "B", "C"])
    assert sorted(parts) == ["A", "B"]  # C left out: absent, so that theme alone falls back
    with pytest.raises(ReplyInvalid, match="'D', which was not sent"):
        statements_by_theme(parse_reply(reply(STATEMENT, theme="D"), DraftReply), ["A"])
    twice = {"themes": [{"theme": "A", "statements": [STATEMENT]}] * 2}
    with pytest.raises(ReplyInvalid, match="twice"):
        statements_by_theme(parse_reply(json.dumps(twice), DraftReply), ["A", "B"])


def test_json_schema_format_is_strict_and_closed() -> None:
    fmt = response_format("json_schema", DraftReply, "theme_statements")
    assert fmt is not None
    assert fmt["json_schema"]["strict"] is True
    schema = json.dumps(fmt["json_schema"]["schema"])
    assert '"additionalProperties": false' in schema
    assert "minLength" not in schema
    assert response_format("json_object", OverviewReply, "o") == {"type": "json_object"}
    assert response_format("text", OverviewReply, "o") is None


def test_token_counter_is_offline_tiktoken_or_documented_approximation() -> None:
    counter = token_counter()
    assert counter.name in {"cl100k_base", "o200k_base", "approx-4chars"}
    assert count_tokens("hello world") in {2, 3}
    assert ApproxCounter().count("one two three four") >= 4
    assert ApproxCounter().count("") == 0
