"""The composition root: everything a process needs, built once from Settings.

The CLI, the web app and the worker each make one :class:`Container` and pass it down, so
they share one way of building the engine, the session factory, the embedder and the
drafters, and tests can hand a container a fake embedder or clock instead of patching.

- The engine is made on first use, inside the running event loop, and disposed by
  :meth:`Container.aclose` (or leaving ``async with``): asyncio engines belong to their loop.
- The embedder is ONE per container, made on first use under a lock, so two jobs starting
  together load the model once. Loading takes seconds: call :meth:`Container.embedder` off
  the event loop (the analysis job does, in its worker thread).
- Drafters are made by name and kept; an unknown name is refused with the known ones.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.mail import Mailer, make_mailer
from symphonia.pipeline.contracts import Drafter, Embedder
from symphonia.services.analysis_runs import utcnow
from symphonia.services.providers import build_drafter, build_embedder
from symphonia.settings import Settings, get_settings

if TYPE_CHECKING:
    from symphonia.services.analysis_exec import Execution

Clock = Callable[[], datetime.datetime]


class Container:
    """One process's collaborators (see the module docstring)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        embedder_factory: Callable[[], Embedder] | None = None,
        drafters: Mapping[str, Drafter] | None = None,
        clock: Clock = utcnow,
        engine: AsyncEngine | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        """`embedder`, or `embedder_factory` (called once, on first use), replace the
        configured model behind the embedding cache; `drafters` replace drafters built by
        name; `engine` is an engine the caller owns (not disposed here); `mailer` replaces
        the configured outbox or SMTP server."""
        self.settings = settings or get_settings()
        self.clock = clock
        self._lock = threading.Lock()
        self._embedder = embedder
        self._make_embedder = embedder_factory or (lambda: build_embedder(self.settings))
        self._given: dict[str, Drafter] = dict(drafters or {})
        self._drafters: dict[tuple[str, bool], Drafter] = {}
        self._engine = engine
        self._owns_engine = engine is None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._mailer = mailer

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            from symphonia.db.engine import create_engine

            self._engine = create_engine(self.settings.resolved_database_url)
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The session factory (sessions keep loaded attributes after commit)."""
        if self._sessions is None:
            from symphonia.db.engine import create_sessionmaker

            self._sessions = create_sessionmaker(self.engine)
        return self._sessions

    def session(self) -> AsyncSession:
        """A new session: ``async with container.session() as session: ...``."""
        return self.sessions()

    def embedder(self) -> Embedder:
        """The process's embedder, made on first call (slow: call it off the event loop)."""
        with self._lock:
            if self._embedder is None:
                self._embedder = self._make_embedder()
            return self._embedder

    def drafter(self, name: str, *, allow_fallback: bool = True) -> Drafter:
        """The drafter called `name` ("extractive", "llm"), made once; refused when unknown
        or (the LLM drafter) when no endpoint is configured. Without `allow_fallback`, a model
        that drafts nothing fails the draft (`DraftingFailed`) instead of leaving the
        extractive draft in its place; a drafter given to the container is used either way."""
        with self._lock:
            if name in self._given:
                return self._given[name]
            key = (name, allow_fallback)
            if key not in self._drafters:
                self._drafters[key] = build_drafter(
                    name, self.settings, allow_fallback=allow_fallback
                )
            return self._drafters[key]

    def execution(self, actor: Actor) -> Execution:
        """How this process executes analysis runs on `actor`'s behalf: its embedder and
        drafters, its clock, and the heartbeat the settings ask for. (The analysis code loads
        here, on first use, not with every command.)"""
        from symphonia.services.analysis_exec import Execution

        return Execution(
            embedder=self.embedder,
            drafter_for=lambda name, allow: self.drafter(name, allow_fallback=allow),
            actor=actor,
            heartbeat_every=self.settings.worker.heartbeat_s,
            clock=self.clock,
        )

    def mailer(self) -> Mailer:
        """Where emails go: the outbox directory, or the SMTP server when one is set.
        Sending blocks: call `send` off the event loop."""
        if self._mailer is None:
            self._mailer = make_mailer(self.settings)
        return self._mailer

    def sign_in_url(self, token: str) -> str:
        """The link that redeems a sign-in or invitation token (shown once, never stored)."""
        return f"{self.settings.public_url}/sign-in/{token}"

    async def schema_revision(self) -> str | None:
        """The database's migration revision (None: never migrated)."""
        from symphonia.db.migrate import current_async

        return await current_async(self.settings.resolved_database_url)

    async def aclose(self) -> None:
        if self._engine is not None and self._owns_engine:
            await self._engine.dispose()
        self._engine = None
        self._sessions = None

    async def __aenter__(self) -> Container:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
