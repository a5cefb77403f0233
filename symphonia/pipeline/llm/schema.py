"""The reply contract of the LLM drafter, and its strict validation.

Whatever the server promises (json_schema strict, json_object, or plain text), every reply
is parsed and validated here with pydantic in strict mode before anything reaches a
statement: unknown keys, wrong types, unknown sections or strengths, empty texts all fail,
and a failed theme falls back to the extractive draft.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_STATEMENTS = 20
MAX_TEXT_CHARS = 2000


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
    model_config = ConfigDict(extra="forbid", strict=True)

    statements: list[StatementOut] = Field(min_length=1, max_length=MAX_STATEMENTS)


class OverviewReply(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    overview: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


def _strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON schema in the subset OpenAI's strict mode accepts (no length keywords)."""
    schema = model.model_json_schema()

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: clean(v)
                for k, v in node.items()
                if k not in {"minLength", "maxLength", "minItems", "maxItems", "title"}
            }
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
