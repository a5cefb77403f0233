"""Setting up a study in the browser: a new one from a form, or one of the study folders.

Both are for accounts that may create studies; whoever makes a study becomes its
facilitator (the service sees to it) and lands on its front page.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.response import Redirect, Template

from symphonia.core.errors import Conflict, RejectedInput
from symphonia.core.study import Anonymity, RoundKind
from symphonia.services.study_setup import (
    StudyFolder,
    create_study,
    load_study_folder,
    require_study_creator,
    study_folders,
)
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me, Services
from symphonia.web.forms import FormBody, FormState, read_form
from symphonia.web.study_form import FORM_ROUNDS, errors_for, read_study_form

ANONYMITY_OPTIONS = (
    (
        Anonymity.PSEUDONYMOUS.value,
        "Pseudonymous",
        "Contributions are shown under a pseudonym such as E07 (the usual Delphi choice).",
    ),
    (Anonymity.NAMED.value, "Named", "Panel members are named beside what they say."),
    (
        Anonymity.ANONYMOUS.value,
        "Anonymous",
        "Not even pseudonyms are shown, and no names are recorded.",
    ),
)
KIND_OPTIONS = (
    ("", "No round"),
    (RoundKind.CONTRIBUTE.value, "Contribute evidence"),
    (RoundKind.RATE.value, "Rate statements"),
)


@dataclass(frozen=True, slots=True)
class NewStudyPage:
    title: str
    nav: Nav
    form: FormState
    rounds: tuple[int, ...] = tuple(range(1, FORM_ROUNDS + 1))
    anonymity: tuple[tuple[str, str, str], ...] = ANONYMITY_OPTIONS
    kinds: tuple[tuple[str, str], ...] = KIND_OPTIONS


@dataclass(frozen=True, slots=True)
class LoadStudyPage:
    title: str
    nav: Nav
    form: FormState
    folders: tuple[StudyFolder, ...]


def _new_study_form(form: FormState) -> FormState:
    """A blank form starts with the usual two rounds: contribute, then rate."""
    if form.values:
        return form
    return FormState(values={"round1_kind": "contribute", "round2_kind": "rate"})


class StudySetupController(Controller):
    path = "/studies"
    include_in_schema = False

    @get("/new")
    async def new_study_form(self, me: Me) -> Template:
        require_study_creator(me)
        context = NewStudyPage(
            "New study", nav_for(me, "/studies/new"), _new_study_form(FormState())
        )
        return page("study_new.html", context)

    @post("/new")
    async def new_study(self, data: FormBody, me: Me, db: Db) -> Template | Redirect:
        require_study_creator(me)
        form, definition, rows = read_study_form(data)
        if definition is not None:
            try:
                made = await create_study(db, definition, actor=me)
            except RejectedInput as refused:
                form = form.with_errors(errors_for(refused, rows))
            else:
                return Redirect(f"/studies/{made.study.slug}")
        context = NewStudyPage("New study", nav_for(me, "/studies/new"), form)
        return page("study_new.html", context, status_code=400)

    @get("/load")
    async def load_form(self, me: Me, container: Services) -> Template:
        folders = study_folders(container.settings.rounds_dir, actor=me)
        context = LoadStudyPage("Load a study", nav_for(me), FormState(), folders)
        return page("study_load.html", context)

    @post("/load")
    async def load(
        self, data: FormBody, me: Me, db: Db, container: Services
    ) -> Template | Redirect:
        require_study_creator(me)
        rounds_dir = container.settings.rounds_dir
        form = read_form(data, ("folder",))
        if not form.values["folder"]:
            form = form.with_errors({"folder": "Choose the study to load"})
        else:
            try:
                loaded = await load_study_folder(db, rounds_dir, form.values["folder"], actor=me)
            except (RejectedInput, Conflict) as refused:
                reasons = (
                    [p.reason for p in refused.problems]
                    if isinstance(refused, RejectedInput)
                    else [str(refused)]
                )
                form = form.with_errors({"folder": "; ".join(reasons)})
            else:
                return Redirect(f"/studies/{loaded.study.slug}")
        context = LoadStudyPage(
            "Load a study", nav_for(me), form, study_folders(rounds_dir, actor=me)
        )
        return page("study_load.html", context, status_code=400)
