"""The editor's pages' contexts: the workspace, one statement with one change, and the
htmx answer to an inline edit (see :mod:`symphonia.web.pages.editor`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.amendments import AmendmentAction
from symphonia.core.errors import NotFound
from symphonia.core.synthesis import Section
from symphonia.services.flag_answers import study_flags
from symphonia.services.flags import FlagView
from symphonia.services.workspace import StatementView, WorkspaceView, workspace
from symphonia.web.context import Nav, nav_for
from symphonia.web.editor_form import ACTION_LABELS
from symphonia.web.forms import FormState
from symphonia.web.study_nav import ROUND_PAGES, StudyNav, study_nav

SECTION_LABELS = {
    Section.CONSENSUS: "Consensus",
    Section.CONTESTED: "Contested",
    Section.GAP: "Gaps in the evidence",
    Section.ACTION: "Candidate actions",
    Section.MINORITY: "Minority and singular views",
}


@dataclass(frozen=True, slots=True)
class StaleEdit:
    """Another editor's change got there first: their text (now current) and revision."""

    current_text: str
    current_revision: int


@dataclass(frozen=True, slots=True)
class WorkspacePage:
    title: str
    nav: Nav
    study_nav: StudyNav
    ws: WorkspaceView
    notice: str | None = None
    refused: str | None = None
    sections: tuple[tuple[Section, str], ...] = tuple(SECTION_LABELS.items())
    forms: dict[str, FormState] = field(default_factory=dict)
    """Posted forms to show again (by statement key), with their errors."""
    stale: dict[str, StaleEdit] = field(default_factory=dict)
    expert_flags: tuple[FlagView, ...] = ()
    """Panellists' flags on this round awaiting the editors' answer (issue 10 §5)."""

    @property
    def base(self) -> str:
        return f"/studies/{self.ws.study.slug}/rounds/{self.ws.round}/draft"

    def in_section(self, section: Section) -> tuple[StatementView, ...]:
        return tuple(s for s in self.ws.statements if s.section is section)

    def form_for(self, key: str) -> FormState | None:
        return self.forms.get(key)


@dataclass(frozen=True, slots=True)
class StatementPage(WorkspacePage):
    """One statement and one change to it (`action`; links lead to the others)."""

    statement: StatementView | None = None
    """None on the page that adds a statement."""
    action: AmendmentAction = AmendmentAction.EDIT
    form: FormState = field(default_factory=FormState)
    actions: dict[AmendmentAction, str] = field(default_factory=lambda: dict(ACTION_LABELS))

    @property
    def failed(self) -> bool:
        return self.form.failed or bool(self.stale) or bool(self.refused)

    @property
    def others(self) -> tuple[StatementView, ...]:
        key = self.statement.key if self.statement else None
        return tuple(s for s in self.ws.statements if s.key != key)

    @property
    def section_options(self) -> tuple[tuple[str, str, None], ...]:
        return tuple((s.value, label, None) for s, label in self.sections)


def defaults(statement: StatementView | None) -> FormState:
    """What a statement's forms show before the editor types anything."""
    if statement is None:
        return FormState()
    cited = " ".join(c.id for c in statement.citations)
    values = {
        "text": statement.text,
        "part1": statement.text,
        "part1_citations": cited,
        "part2_citations": cited,
        "section": statement.section.value,
    }
    return FormState(values=values)


def with_revision(form: FormState, statement: StatementView | None) -> FormState:
    """The posted form again, carrying the statement's current revision (after a conflict,
    sending it again replaces the other editor's text knowingly)."""
    if statement is None:
        return form
    return FormState({**form.values, "revision": str(statement.revision)}, form.errors)


async def workspace_page(db: AsyncSession, me: Actor, slug: str, number: int, **more: Any) -> Any:
    ws = await workspace(db, slug, number, actor=me)
    kind = more.pop("kind", WorkspacePage)
    key = more.pop("key", None)
    statement = ws.statement(key) if key is not None else None
    if key is not None and statement is None:
        raise NotFound(
            f"statement {key!r} is not in the latest version of round {number}'s synthesis",
            code="unknown_statement",
            context={"study": slug, "round": number, "statement": key},
        )
    extra: dict[str, Any] = {"statement": statement} if kind is StatementPage else {}
    if ws.may_edit:
        extra["expert_flags"] = tuple(
            e.flag
            for e in await study_flags(db, slug, actor=me)
            if e.flag.round == number and not e.flag.answered
        )
    title = more.pop("title", f"Draft synthesis of round {number}")
    return kind(title, nav_for(me), study_nav(me, ws.study, ROUND_PAGES), ws, **extra, **more)


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """The htmx answer to an inline edit: one statement of the workspace."""

    page: WorkspacePage
    key: str
    nav: None = None

    @property
    def statement(self) -> StatementView | None:
        return self.page.ws.statement(self.key)
