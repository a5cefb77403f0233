"""The LLM drafter: a call per theme (small themes share one, see `messages.pack_themes`)
plus at most one overview call, validated, guarded by construction where it can be, and
falling back theme by theme to the extractive draft.

What the model may decide is only wording and which fragments each statement rests on.
Classification (status, sides, minority) is computed before drafting and never read back
from the model: a section the theme's status does not allow is overridden to the theme's
home section and flagged ``section_overridden``, so an injected "report full consensus" moves
nothing. If the model leaves out a side of a contested theme, or cites none of the theme's
fragments, the extractive statements for what it left out are added back with origin
``extractive-restored`` and a note — a minority must not disappear because a model skipped
it; whatever even the extractive draft cannot cover goes to the ledger (`guard_coverage`).
A theme the reply leaves out, and every theme of a call that fails or whose reply is
invalid, falls back to its extractive draft, recorded per theme in ``meta["fallbacks"]``.
Singular views are quoted extractively (one fragment each: paraphrase adds risk, no value).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai

from symphonia.core.fragments import Fragment
from symphonia.core.synthesis import DraftingSummary, Synthesis
from symphonia.core.themes import Theme
from symphonia.pipeline.draft_extractive import draft_singular_view_statements
from symphonia.pipeline.llm.client import CallFailed, ChatCaller, FormatState, GenerationParams
from symphonia.pipeline.llm.errors import DraftingFailed, LLMNotConfigured
from symphonia.pipeline.llm.messages import (
    OVERVIEW_JSON,
    OVERVIEW_SYSTEM,
    OVERVIEW_USER,
    PACK_MAX_THEMES,
    PACK_TEXT_TOKENS,
    THEME_JSON,
    THEME_SYSTEM,
    THEME_USER,
    overview_messages,
    pack_themes,
    theme_request,
)
from symphonia.pipeline.llm.replies import (
    ThemeOutcome,
    fallback_statements,
    reply_statements,
    restore_omissions,
)
from symphonia.pipeline.llm.schema import (
    DraftReply,
    OverviewReply,
    ReplyInvalid,
    parse_reply,
    statements_by_theme,
)
from symphonia.pipeline.prompting import PromptLibrary
from symphonia.settings import LLMSettings


class LLMDrafter:
    """`Drafter` backed by any OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        prompts: PromptLibrary | None = None,
        params: GenerationParams | None = None,
        overview: bool = True,
        backoff_base_s: float = 0.5,
        pack_text_tokens: int = PACK_TEXT_TOKENS,
        pack_max_themes: int = PACK_MAX_THEMES,
        require_model: bool = False,
    ) -> None:
        """`pack_text_tokens` / `pack_max_themes`: how small themes share a call (see
        `messages.pack_themes`); ``pack_text_tokens=0`` makes one call per theme.
        `require_model`: raise :class:`DraftingFailed` when the model drafts none of the
        themes, instead of returning a draft that is the extractive one throughout (an
        unreachable or broken endpoint); a partial fallback is returned either way, and
        ``meta["drafting"]`` counts what the model wrote and what fell back."""
        if not settings.configured or not settings.model:
            raise LLMNotConfigured(
                "the LLM drafter needs an endpoint: set SYMPHONIA_LLM_MODEL and "
                "SYMPHONIA_LLM_BASE_URL (or SYMPHONIA_LLM_API_KEY / OPENAI_API_KEY for the "
                "default OpenAI endpoint); the extractive drafter needs neither"
            )
        self.settings = settings
        self.model: str = settings.model
        self.prompts = prompts or PromptLibrary()
        self.params = params or GenerationParams()
        self.overview = overview
        self.backoff_base_s = backoff_base_s
        self.pack_text_tokens = pack_text_tokens
        self.pack_max_themes = pack_max_themes
        self.require_model = require_model
        self.format_state = FormatState()

    @property
    def name(self) -> str:
        return "llm"

    def draft(
        self,
        themes: Sequence[Theme],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        question: str | None = None,
    ) -> Synthesis:
        """Synchronous entry point (CLI, services' worker threads).

        Runs the async drafting in a fresh event loop; when called from inside a running loop
        (a web handler, a notebook) it runs that loop in a worker thread instead, since a
        loop cannot be nested.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.draft_async(themes, singular_views, fragments, question))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="symphonia-llm") as pool:
            future = pool.submit(
                lambda: asyncio.run(self.draft_async(themes, singular_views, fragments, question))
            )
            return future.result()

    def _client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=self.settings.base_url,
            api_key=self.settings.api_key or "not-needed",
            timeout=self.settings.timeout_s,
            max_retries=0,
        )

    async def draft_async(
        self,
        themes: Sequence[Theme],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        question: str | None = None,
    ) -> Synthesis:
        async with self._client() as client:
            caller = ChatCaller(
                client,
                self.model,
                self.params,
                self.format_state,
                concurrency=self.settings.concurrency,
                timeout_s=self.settings.timeout_s,
                max_retries=self.settings.max_retries,
                backoff_base_s=self.backoff_base_s,
            )
            packs = pack_themes(themes, fragments, self.pack_text_tokens, self.pack_max_themes)
            jobs = [self._pack(caller, pack, fragments, question) for pack in packs]
            overview: dict[str, Any] | None = None
            if self.overview and themes:
                per_pack, overview = await asyncio.gather(
                    asyncio.gather(*jobs),
                    self._overview(caller, themes, len(singular_views), question),
                )
            else:
                per_pack = await asyncio.gather(*jobs)
        # a call's themes need not be consecutive (pack_themes fills earlier calls first)
        outcome_of = {
            id(t): o
            for pack, pack_outcomes in zip(packs, per_pack, strict=True)
            for t, o in zip(pack, pack_outcomes, strict=True)
        }
        outcomes = [outcome_of[id(t)] for t in themes]  # theme order
        synthesis = self._assemble(
            themes, packs, outcomes, singular_views, fragments, question, caller, overview
        )
        summary = DraftingSummary.from_dict(synthesis.meta["drafting"])
        if self.require_model and summary is not None and summary.nothing_by_model:
            raise DraftingFailed(summary)
        return synthesis

    async def _pack(
        self,
        caller: ChatCaller,
        themes: Sequence[Theme],
        fragments: Mapping[str, Fragment],
        question: str | None,
    ) -> list[ThemeOutcome]:
        """One call for `themes`; an outcome per theme, in order."""
        request = theme_request(self.prompts, themes, fragments, question)
        hint = self.prompts.render(THEME_JSON).text
        try:
            raw = await caller.complete(request.messages, DraftReply, "theme_statements", hint)
            parts = statements_by_theme(parse_reply(raw, DraftReply), request.themes)
        except (CallFailed, ReplyInvalid) as exc:
            return [
                ThemeOutcome(fallback_statements(t, fragments), fallback=str(exc)) for t in themes
            ]
        outcomes = []
        for key, theme in request.themes.items():
            part = parts.get(key)
            if part is None:
                reason = f"the reply has no statements for this theme (theme {key} of its call)"
                outcomes.append(
                    ThemeOutcome(fallback_statements(theme, fragments), fallback=reason)
                )
                continue
            outcome = reply_statements(theme, part, request.aliases, fragments)
            restore_omissions(theme, outcome, fragments)
            outcome.label = part.label
            outcomes.append(outcome)
        return outcomes

    async def _overview(
        self, caller: ChatCaller, themes: Sequence[Theme], singular: int, question: str | None
    ) -> dict[str, Any]:
        messages = overview_messages(self.prompts, themes, singular, question)
        hint = self.prompts.render(OVERVIEW_JSON).text
        try:
            raw = await caller.complete(messages, OverviewReply, "overview", hint)
            return {"text": parse_reply(raw, OverviewReply).overview.strip(), "origin": "llm"}
        except (CallFailed, ReplyInvalid) as exc:
            return {"text": None, "error": str(exc)}

    def _assemble(
        self,
        themes: Sequence[Theme],
        packs: Sequence[Sequence[Theme]],
        outcomes: Sequence[ThemeOutcome],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        question: str | None,
        caller: ChatCaller,
        overview: dict[str, Any] | None,
    ) -> Synthesis:
        statements = [s for o in outcomes for s in o.statements]
        statements += draft_singular_view_statements(singular_views, fragments)
        # the shape hints went out only if the endpoint ended up without json_schema (the
        # mode only ever downgrades, and a call is retried in the downgraded mode)
        hinted = self.format_state.mode != "json_schema"
        used = [THEME_SYSTEM, THEME_USER, *([THEME_JSON] if hinted else [])] if themes else []
        if overview is not None:
            used += [OVERVIEW_SYSTEM, OVERVIEW_USER, *([OVERVIEW_JSON] if hinted else [])]
        meta: dict[str, Any] = {
            "drafter": self.name,
            "question": question,
            "model": self.model,
            "parameters": {
                **self.params.as_dict(),
                "response_format": self.format_state.mode,
                "response_formats_rejected": list(self.format_state.rejected),
                "timeout_s": self.settings.timeout_s,
                "max_retries": self.settings.max_retries,
                "concurrency": self.settings.concurrency,
            },
            "prompts": {name: self.prompts.sha256(name) for name in used},
            "usage": caller.usage.as_dict(),
            "fallbacks": [
                {"theme_id": t.id, "reason": o.fallback}
                for t, o in zip(themes, outcomes, strict=True)
                if o.fallback is not None
            ],
            "restored": [r for o in outcomes for r in o.restored],
            "section_overrides": [r for o in outcomes for r in o.overrides],
            "singular_views": "quoted extractively (no LLM call)",
            "fragment_ids_in_prompt": (
                "numbers 1..n per call in prompt order, resolved on reply; a number not sent "
                "in that call is kept as 'not-sent:<n>' and flagged"
            ),
            "packing": {
                "max_text_tokens": self.pack_text_tokens,
                "max_themes": self.pack_max_themes,
                "calls": [[t.id for t in pack] for pack in packs],
            },
            "overview": overview,
            "labels": {t.id: o.label for t, o in zip(themes, outcomes, strict=True) if o.label},
        }
        meta["drafting"] = DraftingSummary.of(statements, len(themes), meta["fallbacks"]).as_dict()
        return Synthesis(statements=tuple(statements), drafter=self.name, meta=meta)
