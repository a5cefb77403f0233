"""Replies are validated strictly; token counting works offline."""

from __future__ import annotations

import json

import pytest

from symphonia.pipeline.llm.schema import (
    OverviewReply,
    ReplyInvalid,
    ThemeReply,
    parse_reply,
    response_format,
)
from symphonia.pipeline.llm.tokens import ApproxCounter, count_tokens, token_counter

GOOD = {"statements": [{"section": "gap", "text": "t", "fragment_ids": ["f1"], "strength": "weak"}]}


def test_valid_reply_and_fenced_reply() -> None:
    assert parse_reply(json.dumps(GOOD), ThemeReply).statements[0].fragment_ids == ["f1"]
    fenced = "```json\n" + json.dumps(GOOD) + "\n```"
    assert parse_reply(fenced, ThemeReply).statements[0].section == "gap"
    assert parse_reply("Sure! " + json.dumps(GOOD) + " Done.", ThemeReply).statements


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (json.dumps(GOOD)[:40], "not valid JSON"),
        ("{statements: [", "not valid JSON"),
        ("no json here", "no JSON object"),
        (json.dumps({"items": []}), "schema"),
        (json.dumps({"statements": []}), "schema"),
        (json.dumps({"statements": [{**GOOD["statements"][0], "section": "summary"}]}), "schema"),
        (json.dumps({"statements": [{**GOOD["statements"][0], "strength": "total"}]}), "schema"),
        (json.dumps({"statements": [{**GOOD["statements"][0], "fragment_ids": [1]}]}), "schema"),
        (json.dumps({"statements": [{**GOOD["statements"][0], "extra": 1}]}), "schema"),
        (json.dumps({"statements": [{**GOOD["statements"][0], "text": ""}]}), "schema"),
    ],
)
def test_invalid_replies_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(ReplyInvalid, match=reason):
        parse_reply(raw, ThemeReply)


def test_json_schema_format_is_strict_and_closed() -> None:
    fmt = response_format("json_schema", ThemeReply, "theme_statements")
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
