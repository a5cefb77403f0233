"""Synthesis versions, their statements and citations, editors' amendments, publications.

A stored version is never rewritten (DESIGN.md §3, and the team's "Versions" decision): its
statements and their citations are immutable from the moment they are stored, published or
not, and so is every column of the version but three: `approved_at`, `approved_by_id` and
`published_at` may each go from NULL to a value, once. Editing means a new version whose
`parent_id` points at the one it revises, with amendments recording each change.

"Stored" needs a line the database can see: a version declares how many statements it holds
(`statement_count`), and a statement how many citations (`citation_count`); the database
refuses a statement or citation past that count, and any change or deletion of one stored
(see `symphonia.db.immutability` and the 0004 migration's triggers). The ORM fills the
counts in from the `statements` and `citations` collections when they are left unset.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.core.synthesis import Section, Strength
from symphonia.db.enums import AmendmentAction, Origin
from symphonia.db.models.base import JSON, Base, CreatedAt, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.accounts import Account
    from symphonia.db.models.analysis import AnalysisRun
    from symphonia.db.models.rounds import Fragment, Round


class SynthesisVersion(CreatedAt, Base):
    """One numbered version of a round's synthesis.

    `drafter` records how it was made (drafter name, model id, prompt template hashes,
    parameters, fallbacks); `ledger` is the dissent ledger of what it leaves out and why.
    `statement_count` is how many statements it holds: fixed when it is stored, the
    database refuses any statement past it.
    """

    __tablename__ = "synthesis_version"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("statement_count >= 0", name="statement_count_positive"),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id"))
    run_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("analysis_run.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("synthesis_version.id"), index=True
    )
    number: Mapped[int]
    origin: Mapped[Origin] = mapped_column(enum_type(Origin, "version_origin"))
    drafter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ledger: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id"))
    """The account that asked for the run that drafted it (None: the operator or a job)."""
    approved_at: Mapped[datetime.datetime | None]
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id"))
    published_at: Mapped[datetime.datetime | None]
    statement_count: Mapped[int]

    round: Mapped[Round] = relationship()
    run: Mapped[AnalysisRun | None] = relationship()
    parent: Mapped[SynthesisVersion | None] = relationship(remote_side="SynthesisVersion.id")
    statements: Mapped[list[Statement]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Statement.position"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Statement(CreatedAt, Base):
    """One statement of a version. `key` is stable across versions (the interchange `id`),
    so a statement can be followed from draft to publication and across rounds."""

    __tablename__ = "statement"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "key"),
        sa.CheckConstraint("citation_count >= 0", name="citation_count_positive"),
    )

    version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("synthesis_version.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    theme_key: Mapped[str | None] = mapped_column(sa.String(64))
    """None only for singular views, which belong to no theme."""
    section: Mapped[Section] = mapped_column(enum_type(Section, "section"))
    text: Mapped[str] = mapped_column(sa.Text)
    strength: Mapped[Strength] = mapped_column(
        enum_type(Strength, "strength"), default=Strength.MODERATE
    )
    origin: Mapped[Origin] = mapped_column(
        enum_type(Origin, "statement_origin"), default=Origin.EXTRACTIVE
    )
    guard: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    citation_count: Mapped[int]
    """How many citations it holds: fixed when it is stored, like the version's count."""
    revision: Mapped[int | None]
    """How many times editors changed the statement (by key) up to this version, plus one:
    the optimistic lock an editor's form carries. None (stored before editing existed) = 1."""

    version: Mapped[SynthesisVersion] = relationship(back_populates="statements")
    citations: Mapped[list[Citation]] = relationship(
        back_populates="statement", cascade="all, delete-orphan", order_by="Citation.position"
    )


class Citation(Base):
    """A statement's link to a fragment behind it: the provenance chain to the contributor."""

    __tablename__ = "citation"
    __table_args__ = (sa.UniqueConstraint("statement_id", "fragment_id"),)

    statement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("statement.id", ondelete="CASCADE")
    )
    fragment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("fragment.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    statement: Mapped[Statement] = relationship(back_populates="citations")
    fragment: Mapped[Fragment] = relationship()


class Amendment(CreatedAt, Base):
    """An editor's change between versions, with the reason. APPEND-ONLY.

    One row per change; `version_id` is the version the change produced (its parent is the
    version it changed). `before_id` / `after_id` link the statement it is about as it was
    and became (None when added / removed); `before` and `after` hold every statement the
    change read and wrote (a merge reads two, a split writes several), `change` the editor's
    decision (`symphonia.core.amendments.Change`, enough to replay it) and `diff` a word
    diff of the texts.
    """

    __tablename__ = "amendment"

    version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("synthesis_version.id"), index=True)
    action: Mapped[AmendmentAction] = mapped_column(enum_type(AmendmentAction, "amendment_action"))
    before_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("statement.id"), index=True)
    after_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("statement.id"), index=True)
    editor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id"))
    """The editor's account; None when the local operator amended from the shell."""
    reason: Mapped[str] = mapped_column(sa.Text)
    statement_key: Mapped[str | None] = mapped_column(sa.String(64))
    change: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    before: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    after: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    diff: Mapped[str | None] = mapped_column(sa.Text)

    version: Mapped[SynthesisVersion] = relationship()
    before_statement: Mapped[Statement | None] = relationship(foreign_keys=[before_id])
    after_statement: Mapped[Statement | None] = relationship(foreign_keys=[after_id])
    editor: Mapped[Account | None] = relationship()


class Publication(Base):
    """The act of publishing a version: when, by whom. APPEND-ONLY; one per version."""

    __tablename__ = "publication"

    version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("synthesis_version.id"), unique=True
    )
    published_at: Mapped[datetime.datetime]
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id"))
    actor: Mapped[str] = mapped_column(sa.String(200))
    """Who published, as the audit log names them (also when not an account, e.g. the CLI)."""
    note: Mapped[str | None] = mapped_column(sa.Text)

    version: Mapped[SynthesisVersion] = relationship()
