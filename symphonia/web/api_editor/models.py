"""What the editors' API reads and writes, as typed models the OpenAPI schema describes."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from symphonia.core.amendments import AmendmentAction, Change, SplitPart
from symphonia.core.synthesis import Section
from symphonia.services.editing import AmendmentResult, new_statement_key
from symphonia.services.workspace import StatementView, WorkspaceView

ActionName = Literal["edit", "reclassify", "merge", "split", "cite", "add", "remove", "accept_flag"]
SectionName = Literal["consensus", "contested", "gap", "action", "minority"]


class CitedFragmentOut(Struct):
    id: str
    text: str
    kind: str
    confidence: int
    pseudonym: str
    group: str | None


class FlagOut(Struct):
    code: str
    message: str


class StatementOut(Struct):
    key: str
    section: str
    text: str
    theme: str | None
    strength: str
    origin: str
    revision: Annotated[int, Meta(description="Send it back with a change (optimistic lock).")]
    ok: Annotated[bool, Meta(description="The guard found nothing to flag.")]
    flags: list[FlagOut]
    accepted: Annotated[str | None, Meta(description="Why an editor kept it despite flags.")]
    citations: list[CitedFragmentOut]

    @classmethod
    def of(cls, st: StatementView) -> StatementOut:
        return cls(
            st.key,
            st.section.value,
            st.text,
            st.theme_key,
            st.strength.value,
            st.origin,
            st.revision,
            st.ok,
            [FlagOut(f.code, f.message) for f in st.flags],
            st.accepted,
            [
                CitedFragmentOut(c.id, c.text, c.kind.value, c.confidence, c.pseudonym, c.group)
                for c in st.citations
            ],
        )


class AmendmentOut(Struct):
    version: int
    action: str
    statement: str | None
    reason: str
    diff: str
    editor: str
    created_at: datetime.datetime


class DraftOut(Struct):
    study: str
    round: int
    version: int
    origin: str
    parent: int | None
    approved_at: datetime.datetime | None
    published_at: datetime.datetime | None
    unanswered: Annotated[list[str], Meta(description="Flagged statements nobody answered.")]
    statements: list[StatementOut]
    ledger: list[dict[str, Any]]
    amendments: list[AmendmentOut]

    @classmethod
    def of(cls, ws: WorkspaceView) -> DraftOut:
        return cls(
            ws.study.slug,
            ws.round,
            ws.version,
            ws.origin,
            ws.parent,
            ws.approved_at,
            ws.published_at,
            list(ws.unanswered),
            [StatementOut.of(s) for s in ws.statements],
            [dict(e) for e in ws.ledger],
            [
                AmendmentOut(
                    a.version,
                    a.action.value,
                    a.statement_key,
                    a.reason,
                    a.diff,
                    a.editor,
                    a.created_at,
                )
                for a in ws.amendments
            ],
        )


class PartIn(Struct, forbid_unknown_fields=True):
    text: str
    citations: list[str]


class AmendmentIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """One change. `statement` is the statement changed (omit it to add one);
    `revisions` maps every statement the change reads (a merge: both) to the revision you
    read; a stale one answers 409 with the current text."""

    action: ActionName
    reason: Annotated[str, Meta(description="Required: kept with the amendment.")]
    statement: str | None = None
    revisions: dict[str, int] = {}
    text: str | None = None
    section: SectionName | None = None
    theme: str | None = None
    other: Annotated[str | None, Meta(description="merge: the statement merged in.")] = None
    parts: Annotated[list[PartIn], Meta(description="split: the parts, in order.")] = []
    add: Annotated[list[str], Meta(description="Fragment ids to cite.")] = []
    remove: Annotated[list[str], Meta(description="Fragment ids to stop citing.")] = []

    def change(self) -> Change:
        # a new statement's key is the server's to choose, like the web form's
        adding = self.action == "add"
        key = new_statement_key() if adding or not self.statement else self.statement
        parts = tuple(
            SplitPart(key if n == 0 else new_statement_key(), p.text, tuple(p.citations))
            for n, p in enumerate(self.parts)
        )
        return Change(
            action=AmendmentAction(self.action),
            key=key,
            text=self.text,
            section=Section(self.section) if self.section else None,
            theme_key=self.theme,
            other=self.other,
            parts=parts,
            add=tuple(self.add),
            remove=tuple(self.remove),
        )


class AmendedOut(Struct):
    version: int
    action: str
    revisions: dict[str, int]
    flagged: list[str]

    @classmethod
    def of(cls, done: AmendmentResult) -> AmendedOut:
        return cls(done.version, done.action.value, dict(done.revisions), list(done.flagged))


class StaleOut(Struct):
    """409 for a change to a statement another editor changed since you read it."""

    status_code: int
    detail: str
    statement: str
    current_revision: int
    current_text: str


class VersionIn(Struct, forbid_unknown_fields=True):
    version: int


class ApprovedOut(Struct):
    version: int
    approved_at: datetime.datetime


class PublishedOut(Struct):
    version: int
    published_at: datetime.datetime
