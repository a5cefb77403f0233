"""One chat-completion call with the resilience the drafter needs, and its accounting.

- A semaphore bounds concurrent requests (settings.concurrency); it is held only while a
  request is in flight, never while backing off.
- Each attempt has a hard timeout (settings.timeout_s) on top of the client's own.
- 429, 5xx, timeouts and connection errors are retried up to settings.max_retries times
  with exponential backoff and full jitter (honouring a Retry-After header, capped); the
  openai client's own retries are off so there is one retry policy, ours.
- Structured output: ``json_schema`` (strict) first; a server that rejects it (HTTP 400/422
  naming the response format) is asked again with ``json_object``, then plain text. The
  working mode is remembered in a `FormatState` the drafter instance owns, so only the first
  call of an instance pays for the discovery. The reply shape goes into the prompt only in
  the modes that need it (`with_shape_hint`): under ``json_schema`` the server enforces the
  schema, and repeating it as text in every call would cost tokens for nothing.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field
from typing import Any

import openai
from pydantic import BaseModel

from symphonia.pipeline.llm.schema import response_format
from symphonia.pipeline.llm.tokens import count_tokens, token_counter

MODES = ("json_schema", "json_object", "text")
_FORMAT_WORDS = re.compile(r"response_format|json_schema|json_object|schema|structured", re.I)
_RETRYABLE = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
    TimeoutError,
)


class _Rejected(Exception):
    """A 400/422 reply, with the format mode the rejected request used."""

    def __init__(self, mode: str, error: openai.APIStatusError) -> None:
        super().__init__(str(error))
        self.mode = mode
        self.error = error


class CallFailed(RuntimeError):
    """A call that could not be completed; the message is the fallback reason."""


@dataclass
class FormatState:
    """The response-format mode that works with this endpoint (shared by concurrent calls)."""

    mode: str = "json_schema"
    rejected: list[str] = field(default_factory=list)

    def downgrade(self, failed: str) -> None:
        if self.mode == failed and failed != MODES[-1]:
            self.rejected.append(failed)
            self.mode = MODES[MODES.index(failed) + 1]


@dataclass(frozen=True, slots=True)
class GenerationParams:
    temperature: float = 0.0
    max_tokens: int = 2000
    """A ceiling per call, not a cost: a call may carry up to `messages.PACK_MAX_THEMES`
    small themes, and a truncated reply fails every theme of its call. Prompt + max_tokens
    must fit the server's context (vLLM refuses the call otherwise): the largest packed
    prompt is ~2,100 tokens on the demo study and ArgKP dev, so the defaults need about 4.5k;
    see `messages.PACK_TEXT_TOKENS` for a 4k server."""
    seed: int | None = 7

    def as_dict(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed}


@dataclass
class Usage:
    calls: int = 0
    """Logical calls: one per theme, one for the overview."""
    attempts: int = 0
    """HTTP requests, including retries and format discovery."""
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    server_reported: int = 0
    """How many completed calls carried the server's own usage (else tokens are counted)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "attempts": self.attempts,
            "retries": self.retries,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "token_source": "server"
            if self.server_reported == self.calls and self.calls
            else f"counted:{token_counter().name}"
            if not self.server_reported
            else f"server+counted:{token_counter().name}",
        }


def with_shape_hint(messages: list[dict[str, str]], hint: str | None) -> list[dict[str, str]]:
    """The messages with the reply-shape hint appended to the system message (a new list)."""
    if not hint:
        return messages
    out = [dict(m) for m in messages]
    for message in out:
        if message["role"] == "system":
            message["content"] = message["content"].rstrip("\n") + "\n" + hint
            return out
    return [{"role": "system", "content": hint}, *out]


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class ChatCaller:
    """Makes chat-completion calls for one drafting run (one event loop)."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        params: GenerationParams,
        state: FormatState,
        *,
        concurrency: int,
        timeout_s: float,
        max_retries: int,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 8.0,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.model = model
        self.params = params
        self.state = state
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.timeout_s = timeout_s
        self.max_retries = max(0, max_retries)
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.rng = rng or random.Random()
        self.usage = Usage()

    def _delay(self, attempt: int, exc: BaseException) -> float:
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2**attempt)
        hinted = _retry_after(exc)
        if hinted is not None:
            return min(self.backoff_cap_s, max(hinted, 0.0))
        return self.rng.uniform(ceiling / 2, ceiling)

    async def _request(
        self,
        messages: list[dict[str, str]],
        reply_model: type[BaseModel],
        schema_name: str,
        shape_hint: str | None,
    ) -> tuple[Any, list[dict[str, str]]]:
        """One HTTP request, and the messages it sent. The format mode is read inside the
        semaphore, so calls queued behind a format rejection already use the downgraded mode
        (and carry the shape hint it needs)."""
        kwargs: dict[str, Any] = {"model": self.model, **self.params.as_dict()}
        if self.params.seed is None:
            kwargs.pop("seed")
        async with self.semaphore:
            mode = self.state.mode
            fmt = response_format(mode, reply_model, schema_name)
            if fmt is not None:
                kwargs["response_format"] = fmt
            sent = messages if mode == "json_schema" else with_shape_hint(messages, shape_hint)
            kwargs["messages"] = sent
            self.usage.attempts += 1
            try:
                response = await asyncio.wait_for(
                    self.client.chat.completions.create(**kwargs), timeout=self.timeout_s
                )
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                raise _Rejected(mode, exc) from exc
            return response, sent

    async def complete(
        self,
        messages: list[dict[str, str]],
        reply_model: type[BaseModel],
        schema_name: str,
        shape_hint: str | None = None,
    ) -> str:
        """The reply text of one logical call; raises CallFailed with the reason.

        `shape_hint` (the reply's JSON shape as prompt text) is added to the system message
        only when the endpoint does not take the ``json_schema`` response format.
        """
        self.usage.calls += 1
        attempt = 0
        while True:
            try:
                response, sent = await self._request(messages, reply_model, schema_name, shape_hint)
            except _Rejected as rejected:
                exc = rejected.error
                if rejected.mode != MODES[-1] and _FORMAT_WORDS.search(str(exc)):
                    self.state.downgrade(rejected.mode)
                    continue
                raise CallFailed(f"request rejected (HTTP {exc.status_code}): {exc}") from exc
            except _RETRYABLE as exc:
                if attempt >= self.max_retries:
                    raise CallFailed(
                        f"{_describe(exc)}; gave up after {attempt + 1} attempt(s)"
                    ) from exc
                await asyncio.sleep(self._delay(attempt, exc))
                attempt += 1
                self.usage.retries += 1
                continue
            except openai.APIStatusError as exc:
                raise CallFailed(f"request failed (HTTP {exc.status_code}): {exc}") from exc
            except openai.OpenAIError as exc:
                raise CallFailed(f"request failed: {exc}") from exc
            except ValueError as exc:  # HTTP 200 with a body that is not JSON (a proxy's page)
                raise CallFailed(
                    f"the server answered HTTP 200 with a body that is not JSON ({exc}); "
                    "is SYMPHONIA_LLM_BASE_URL an OpenAI-compatible endpoint?"
                ) from exc
            try:
                return self._record(sent, response)
            except (AttributeError, TypeError, ValueError, IndexError) as exc:
                raise CallFailed(f"the server's reply is not a chat completion ({exc})") from exc

    def _record(self, messages: list[dict[str, str]], response: Any) -> str:
        choices = getattr(response, "choices", None) or []
        message = choices[0].message if choices else None
        text = (getattr(message, "content", None) or "") if message is not None else ""
        usage = getattr(response, "usage", None)
        if usage is not None and getattr(usage, "prompt_tokens", None) is not None:
            self.usage.server_reported += 1
            self.usage.input_tokens += int(usage.prompt_tokens)
            self.usage.output_tokens += int(usage.completion_tokens or 0)
        else:
            self.usage.input_tokens += sum(count_tokens(m["content"]) for m in messages)
            self.usage.output_tokens += count_tokens(text)
        return text


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.RateLimitError):
        return "rate limited (HTTP 429)"
    if isinstance(exc, openai.InternalServerError):
        return f"server error (HTTP {exc.status_code})"
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return "timed out"
    return f"connection failed ({exc})"
