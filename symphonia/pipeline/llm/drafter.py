"""The LLM drafter: one call per theme (plus at most one overview call), validated, guarded
by construction where it can be, and falling back theme by theme to the extractive draft.

What the model may decide is only wording and which fragments each statement rests on.
Classification (status, sides, minority) is computed before drafting and never read back
from the model: a section the theme's status does not allow is overridden to the theme's
home section and flagged ``section_overridden``, so an injected "report full consensus" moves
nothing. If the model leaves out a side of a contested theme, or cites none of the theme's
fragments, the extractive statements for what it left out are added back with origin
``extractive-restored`` and a note — a minority must not disappear because a model skipped
it; whatever even the extractive draft cannot cover goes to the ledger (`guard_coverage`).
Singular views are quoted extractively (one fragment each: paraphrase adds risk, no value).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import openai

from symphonia.core.fragments import Fragment
from symphonia.core.synthesis import Section, Statement, Strength, Synthesis
from symphonia.core.themes import Theme
from symphonia.pipeline.draft_extractive import (
    draft_singular_view_statements,
    draft_theme_statements,
)
from symphonia.pipeline.guard_policy import allowed_sections, home_section
from symphonia.pipeline.llm.client import CallFailed, ChatCaller, FormatState, GenerationParams
from symphonia.pipeline.llm.messages import (
    OVERVIEW_SYSTEM,
    OVERVIEW_USER,
    THEME_SYSTEM,
    THEME_USER,
    FragmentAliases,
    overview_messages,
    theme_messages,
)
from symphonia.pipeline.llm.schema import OverviewReply, ReplyInvalid, ThemeReply, parse_reply
from symphonia.pipeline.prompting import PromptLibrary
from symphonia.settings import LLMSettings

FALLBACK_ORIGIN = "extractive-fallback"
RESTORED_ORIGIN = "extractive-restored"


class LLMNotConfigured(RuntimeError):
    """The LLM drafter was asked for without an endpoint and model configured."""


@dataclass
class ThemeOutcome:
    statements: list[Statement]
    fallback: str | None = None
    restored: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, str]] = field(default_factory=list)


def _with_origin(statements: Sequence[Statement], origin: str, note: str | None) -> list[Statement]:
    guard = {"notes": [{"code": "restored_from_extractive", "message": note}]} if note else {}
    return [replace(s, origin=origin, guard=dict(guard)) for s in statements]


def fallback_statements(theme: Theme, fragments: Mapping[str, Fragment]) -> list[Statement]:
    """The extractive draft of one theme, marked so the editor sees it replaced the model."""
    return _with_origin(draft_theme_statements(theme, fragments), FALLBACK_ORIGIN, None)


def reply_statements(
    theme: Theme, reply: ThemeReply, aliases: FragmentAliases | None = None
) -> ThemeOutcome:
    """Statements from a validated reply, with disallowed sections overridden and flagged.

    Cited prompt aliases resolve to real fragment ids; anything else is kept as cited, so
    the guard sees (and flags) a hallucinated or foreign id exactly as the model wrote it.
    """
    resolve = aliases.resolve if aliases is not None else (lambda cited: cited)
    allowed = allowed_sections(theme)
    out = ThemeOutcome(statements=[])
    for n, item in enumerate(reply.statements, start=1):
        section = Section(item.section)
        guard: dict[str, Any] = {}
        sid = f"{theme.id}-l{n}"
        if section not in allowed:
            home = home_section(theme)
            message = (
                f"the model put this statement of a {theme.status.value} theme in the "
                f"{section.value} section; moved to {home.value} (classification is computed, "
                "not drafted)"
            )
            guard["drafter_flags"] = [{"code": "section_overridden", "message": message}]
            out.overrides.append({"statement_id": sid, "from": section.value, "to": home.value})
            section = home
        cited = (i.strip() for i in item.fragment_ids)
        citations = tuple(dict.fromkeys(resolve(i) for i in cited if i))
        out.statements.append(
            Statement(
                id=sid,
                theme_id=theme.id,
                section=section,
                text=item.text.strip(),
                citations=citations,
                strength=Strength(item.strength),
                origin="llm",
                guard=guard,
            )
        )
    return out


def restore_omissions(
    theme: Theme, outcome: ThemeOutcome, fragments: Mapping[str, Fragment]
) -> None:
    """Add back extractive statements for a theme or side the model's reply left out."""
    cited = {i for s in outcome.statements for i in s.citations} & set(theme.fragment_ids)
    extractive = draft_theme_statements(theme, fragments)
    if not cited:
        note = "the model's draft cites none of this theme's fragments; restored"
        outcome.statements += _with_origin(extractive, RESTORED_ORIGIN, note)
        outcome.restored.append(
            {"theme_id": theme.id, "side": None, "statement_ids": [s.id for s in extractive]}
        )
        return
    for side, ids in theme.positions.items():
        if cited & set(ids):
            continue
        back = [s for s in extractive if set(s.citations) & set(ids)]
        note = f"the model's draft left out the {side!r} position; restored from the extractive"
        outcome.statements += _with_origin(back, RESTORED_ORIGIN, note + " draft")
        outcome.restored.append(
            {"theme_id": theme.id, "side": side, "statement_ids": [s.id for s in back]}
        )


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
    ) -> None:
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
            aliases = FragmentAliases.for_round(fragments)
            jobs = [self._theme(caller, t, fragments, question, aliases) for t in themes]
            overview: dict[str, Any] | None = None
            if self.overview and themes:
                outcomes, overview = await asyncio.gather(
                    asyncio.gather(*jobs),
                    self._overview(caller, themes, len(singular_views), question),
                )
            else:
                outcomes = await asyncio.gather(*jobs)
        return self._assemble(
            themes, outcomes, singular_views, fragments, question, caller, overview
        )

    async def _theme(
        self,
        caller: ChatCaller,
        theme: Theme,
        fragments: Mapping[str, Fragment],
        question: str | None,
        aliases: FragmentAliases,
    ) -> ThemeOutcome:
        messages = theme_messages(self.prompts, theme, fragments, question, aliases)
        try:
            raw = await caller.complete(messages, ThemeReply, "theme_statements")
            reply = parse_reply(raw, ThemeReply)
        except (CallFailed, ReplyInvalid) as exc:
            return ThemeOutcome(fallback_statements(theme, fragments), fallback=str(exc))
        outcome = reply_statements(theme, reply, aliases)
        restore_omissions(theme, outcome, fragments)
        return outcome

    async def _overview(
        self, caller: ChatCaller, themes: Sequence[Theme], singular: int, question: str | None
    ) -> dict[str, Any]:
        messages = overview_messages(self.prompts, themes, singular, question)
        try:
            raw = await caller.complete(messages, OverviewReply, "overview")
            return {"text": parse_reply(raw, OverviewReply).overview.strip(), "origin": "llm"}
        except (CallFailed, ReplyInvalid) as exc:
            return {"text": None, "error": str(exc)}

    def _assemble(
        self,
        themes: Sequence[Theme],
        outcomes: Sequence[ThemeOutcome],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        question: str | None,
        caller: ChatCaller,
        overview: dict[str, Any] | None,
    ) -> Synthesis:
        statements = [s for o in outcomes for s in o.statements]
        statements += draft_singular_view_statements(singular_views, fragments)
        used = [THEME_SYSTEM, THEME_USER] if themes else []
        if overview is not None:
            used += [OVERVIEW_SYSTEM, OVERVIEW_USER]
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
            "fragment_ids_in_prompt": "aliases f1, f2, ... in round order, resolved on reply",
            "overview": overview,
        }
        return Synthesis(statements=tuple(statements), drafter=self.name, meta=meta)
