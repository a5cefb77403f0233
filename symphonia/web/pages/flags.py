"""Flags on the web: a panellist's statements page (flag one as misrepresenting them) and the
editors' flags page (answer each: amended, naming the amendment, or kept with a reason).

Plain forms, posted and redirected back (JavaScript off works); a refused form comes back
with what was typed and the problem beside its field. The editors are mailed a new flag
after it is stored (a mail server's failure never loses the flag: it is on their page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from symphonia.core.errors import Conflict, RejectedInput
from symphonia.db.models import FlagAnswer
from symphonia.services.flag_answers import EditorFlag, answer_flag, study_flags
from symphonia.services.flag_mail import send_flag_mail
from symphonia.services.flag_panel_view import MyStatements, my_statements
from symphonia.services.flag_raising import raise_flag
from symphonia.services.flags import MAX_COMMENT_CHARS
from symphonia.services.overview import study_overview
from symphonia.web import limits
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me, Services
from symphonia.web.forms import FormBody, FormState, errors_from_refusal, read_form
from symphonia.web.study_nav import StudyNav, study_nav

MINE = "/my-statements"
FLAGS = "/flags"
_FLAG_FIELDS = ("round", "version", "key", "comment")
_ANSWER_FIELDS = ("answer", "reason", "amendment")


@dataclass(frozen=True, slots=True)
class MyStatementsPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    mine: MyStatements
    max_comment: int = MAX_COMMENT_CHARS
    form: FormState = field(default_factory=FormState)
    """The flag form that was refused (its `key` names the statement), if any."""
    refused: str | None = None

    def form_for(self, round_: int, version: int, key: str) -> FormState:
        v = self.form.values
        mine = (v.get("round"), v.get("version"), v.get("key")) == (str(round_), str(version), key)
        return self.form if mine else FormState()


@dataclass(frozen=True, slots=True)
class FlagsPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    slug: str
    flags: tuple[EditorFlag, ...]
    forms: dict[str, FormState] = field(default_factory=dict)
    refused: str | None = None
    max_reason: int = MAX_COMMENT_CHARS

    @property
    def open(self) -> tuple[EditorFlag, ...]:
        return tuple(f for f in self.flags if not f.flag.answered)

    @property
    def answered(self) -> tuple[EditorFlag, ...]:
        return tuple(f for f in self.flags if f.flag.answered)

    def form_for(self, flag_id: str) -> FormState:
        return self.forms.get(flag_id) or FormState()


async def _nav(db: Db, me: Me, slug: str, current: str) -> StudyNav:
    overview = await study_overview(db, slug, actor=me)
    return study_nav(me, overview.study, current)


async def _mine_page(db: Db, me: Me, slug: str, **more: Any) -> MyStatementsPage:
    mine = await my_statements(db, slug, actor=me)
    snav = await _nav(db, me, slug, MINE)
    return MyStatementsPage(
        "Statements citing your contributions",
        nav_for(me),
        snav,
        mine,
        **more,
    )


async def _flags_page(db: Db, me: Me, slug: str, **more: Any) -> FlagsPage:
    flags = await study_flags(db, slug, actor=me)
    snav = await _nav(db, me, slug, FLAGS)
    return FlagsPage("Panellists' flags", nav_for(me), snav, slug, flags, **more)


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


class MyStatementsController(Controller):
    path = "/studies/{slug:str}/my-statements"
    include_in_schema = False

    @get("")
    async def show(self, slug: FromPath[str], me: Me, db: Db) -> Template:
        return page("my_statements.html", await _mine_page(db, me, slug))

    @post("/flag", middleware=[limits.SUBMIT.middleware])
    async def flag(
        self, slug: FromPath[str], data: FormBody, me: Me, db: Db, container: Services
    ) -> Template | Redirect:
        form = read_form(data, _FLAG_FIELDS)
        refused: str | None = None
        if not form.failed:
            try:
                raised = await raise_flag(
                    db,
                    slug,
                    _int(form.values["round"]),
                    _int(form.values["version"]),
                    form.values["key"],
                    form.values["comment"],
                    actor=me,
                )
            except RejectedInput as problem:
                form = form.with_errors(errors_from_refusal(problem, _FLAG_FIELDS, "comment"))
            except Conflict as conflict:
                refused = str(conflict)
            else:
                url = f"{container.settings.public_url}/studies/{slug}{FLAGS}"
                await send_flag_mail(raised, container.mailer(), url)
                anchor = (
                    f"#st-{raised.flag.round}-{raised.flag.version}-{raised.flag.statement_key}"
                )
                return Redirect(f"/studies/{slug}{MINE}{anchor}", status_code=303)
        context = await _mine_page(db, me, slug, form=form, refused=refused)
        return page("my_statements.html", context, status_code=409 if refused else 400)


class FlagsController(Controller):
    path = "/studies/{slug:str}/flags"
    include_in_schema = False

    @get("")
    async def show(self, slug: FromPath[str], me: Me, db: Db) -> Template:
        return page("flags.html", await _flags_page(db, me, slug))

    @post("/{flag_id:str}/answer")
    async def answer(
        self, slug: FromPath[str], flag_id: FromPath[str], data: FormBody, me: Me, db: Db
    ) -> Template | Redirect:
        form = read_form(data, _ANSWER_FIELDS)
        refused: str | None = None
        choice = form.values["answer"]
        if choice not in {a.value for a in FlagAnswer}:
            form = form.with_errors({"answer": "Choose how the editors answer this flag"})
        if not form.failed:
            try:
                await answer_flag(
                    db,
                    slug,
                    flag_id,
                    FlagAnswer(choice),
                    form.values["reason"],
                    _int(form.values["amendment"]) or None,
                    actor=me,
                )
            except RejectedInput as problem:
                form = form.with_errors(errors_from_refusal(problem, _ANSWER_FIELDS, "reason"))
            except Conflict as conflict:
                refused = str(conflict)
            else:
                return Redirect(f"/studies/{slug}{FLAGS}#flag-{flag_id}", status_code=303)
        context = await _flags_page(db, me, slug, forms={flag_id: form}, refused=refused)
        return page("flags.html", context, status_code=409 if refused else 400)
