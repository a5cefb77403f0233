"""The reply contract of the LLM drafter, and its strict validation.

Whatever the server promises (json_schema strict, json_object, or plain text), every reply
is parsed and validated here with pydantic in strict mode before anything reaches a
statement: unknown keys, wrong types, unknown sections or strengths, empty texts all fail,
and a failed theme falls back to the extractive draft.

A theme call may carry several small themes (`messages.pack_themes`), so its reply is
``{"themes": [{"theme": "A", "statements": [...]}, ...]}``: each theme's part is the
per-theme ``{"statements": [...]}`` object of DESIGN.md §5 plus the key the prompt gave
it. `statements_by_theme` checks the keys against those sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_STATEMENTS = 20
MAX_TEXT_CHARS = 2000
MAX_LABEL_CHARS = 200
MAX_THEMES_PER_REPLY = 26
"""One part per theme key of a call, "A" to "Z" (`messages.THEME_KEYS`)."""


M = TypeVar("M", bound="BaseModel")


class ReplyInvalid(ValueError):
    """The model's reply is not valid JSON of the expected shape."""


class StatementOut(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    section: Literal["consensus", "contested", "gap", "action", "minority"]
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    fragment_ids: list[str] = Field(max_length=200)
    strength: Literal["strong", "moderate", "weak"]


class ThemeReply(BaseModel):
    """One theme's part of a reply: the key the prompt gave the theme, and its statements."""

    model_config = ConfigDict(extra="forbid", strict=True)

    theme: str = Field(min_length=1, max_length=8)
    label: str | None = Field(default=None, max_length=MAX_LABEL_CHARS)
    """A short readable label for the theme; checked by the guard before it is used
    (`pipeline.theme_labels.check_label`). Optional: a reply without one keeps the label
    drawn from the theme's fragments."""
    statements: list[StatementOut] = Field(min_length=1, max_length=MAX_STATEMENTS)


class DraftReply(BaseModel):
    """The reply to one theme call: a part per theme it carried."""

    model_config = ConfigDict(extra="forbid", strict=True)

    themes: list[ThemeReply] = Field(min_length=1, max_length=MAX_THEMES_PER_REPLY)


class OverviewReply(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    overview: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


def _strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON schema in the subset OpenAI's strict mode accepts (no length keywords)."""
    schema = model.model_json_schema()

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            cleaned = {
                k: clean(v)
                for k, v in node.items()
                if k not in {"minLength", "maxLength", "minItems", "maxItems", "title", "default"}
            }
            if isinstance(cleaned.get("properties"), dict):
                # strict mode wants every property required; optional ones are nullable
                cleaned["required"] = list(cleaned["properties"])
            return cleaned
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    return dict(clean(schema))


def response_format(kind: str, model: type[BaseModel], name: str) -> dict[str, Any] | None:
    """The `response_format` request field for a mode: json_schema, json_object or text."""
    if kind == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": _strict_schema(model)},
        }
    if kind == "json_object":
        return {"type": "json_object"}
    return None


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _json_text(raw: str) -> str:
    """The JSON object in a reply: fences stripped; in plain mode, the outermost {...}."""
    text = raw.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    if not text.startswith("{"):
        start, end = text.find("{"), text.rfind("}")
        if start == -1 or end <= start:
            raise ReplyInvalid("the reply contains no JSON object")
        text = text[start : end + 1]
    return text


def parse_reply(raw: str | None, model: type[M]) -> M:
    """Parse and strictly validate a reply; raises ReplyInvalid with a short reason."""
    if not raw or not raw.strip():
        raise ReplyInvalid("the reply is empty")
    try:
        data = json.loads(_json_text(raw))
    except json.JSONDecodeError as exc:
        raise ReplyInvalid(f"the reply is not valid JSON ({exc.msg} at {exc.pos})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise ReplyInvalid(
            f"the reply does not match the schema: {where}: {first['msg']}"
            f" ({exc.error_count()} error(s))"
        ) from None


def statements_by_theme(reply: DraftReply, keys: Collection[str]) -> dict[str, ThemeReply]:
    """The reply's parts by theme key. A key that was not sent, or one answered twice, makes
    the whole reply invalid (the model lost track of which theme is which, so none of its
    attributions can be trusted); a key left out is simply absent (that theme falls back)."""
    parts: dict[str, ThemeReply] = {}
    for part in reply.themes:
        if part.theme not in keys:
            sent = ", ".join(keys)
            raise ReplyInvalid(
                f"the reply answers theme {part.theme!r}, which was not sent ({sent})"
            )
        if part.theme in parts:
            raise ReplyInvalid(f"the reply answers theme {part.theme!r} twice")
        parts[part.theme] = part
    return parts
