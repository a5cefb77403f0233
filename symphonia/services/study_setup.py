"""Setting a study up from the web: a new one from a form, or one of the study folders.

Both end in :func:`symphonia.services.studies.load_study`, so a study made in the browser
obeys exactly the rules of a study file (and its maker becomes its facilitator).

Folders are offered from one configured directory (SYMPHONIA_ROUNDS_DIR, ``./rounds`` by
default): a caller names a folder by the name listed, never by a path, so no request can
make the server read a file outside that directory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.study import StudyDefinition
from symphonia.db.models import Study
from symphonia.services.errors import Conflict, PermissionDenied, Problem, RejectedInput
from symphonia.services.studies import LoadOutcome, load_study
from symphonia.services.tx import transaction
from symphonia.studyfiles import STUDY_FILE, StudyFileError
from symphonia.studyfiles import load_study as read_study_file


@dataclass(frozen=True, slots=True)
class StudyFolder:
    """A folder of the rounds directory holding a study.toml."""

    name: str
    study_id: str | None
    title: str | None
    problem: str | None
    """Why the folder's study file cannot be used (None: it can)."""


def require_study_creator(actor: Actor) -> None:
    """Refuse unless the actor may create studies (the account-level right)."""
    if not actor.may_create_studies:
        raise PermissionDenied(
            f"{actor.label} may not create studies", code="may_not_create_studies"
        )


def study_folders(rounds_dir: Path, *, actor: Actor) -> tuple[StudyFolder, ...]:
    """The study folders on offer, by name, each read (a broken one says why)."""
    require_study_creator(actor)
    if not rounds_dir.is_dir():
        return ()
    found = []
    for folder in sorted(rounds_dir.iterdir(), key=lambda p: p.name):
        if folder.name.startswith(".") or not (folder / STUDY_FILE).is_file():
            continue
        try:
            definition = read_study_file(folder)
        except StudyFileError as refused:
            first = refused.problems[0] if refused.problems else None
            reason = f"{first.field}: {first.reason}" if first else "cannot be read"
            found.append(StudyFolder(folder.name, None, None, reason))
            continue
        found.append(StudyFolder(folder.name, definition.id, definition.title, None))
    return tuple(found)


async def load_study_folder(
    session: AsyncSession, rounds_dir: Path, name: str, *, actor: Actor
) -> LoadOutcome:
    """Load (or bring up to date) the study of the folder called `name`. The study is
    created or updated as from `symphonia study load`; its rounds' data files are not
    imported (the panel contributes through the platform)."""
    listed = {f.name for f in study_folders(rounds_dir, actor=actor)}
    if name not in listed:
        offered = ", ".join(sorted(listed)) or "none"
        raise RejectedInput(
            "the study was not loaded",
            [Problem("load", "folder", f"choose one of the study folders listed ({offered})")],
        )
    definition = read_study_file(rounds_dir / name)
    return await load_study(session, definition, actor=actor)


async def create_study(
    session: AsyncSession, definition: StudyDefinition, *, actor: Actor
) -> LoadOutcome:
    """A new study from a definition made in a form; an id in use is refused (a form must
    never update a study by accident). The stopping rule's cap covers the rounds declared."""
    require_study_creator(actor)
    protocol = definition.protocol
    if protocol.stopping.max_rounds < len(definition.rounds):
        stopping = replace(protocol.stopping, max_rounds=len(definition.rounds))
        protocol = replace(protocol, stopping=stopping)
        definition = replace(definition, protocol=protocol, check=False)
    async with transaction(session):
        if await session.scalar(select(Study.id).where(Study.slug == definition.id)):
            raise RejectedInput(
                "the study was not created",
                [Problem("", "study.id", f"the id {definition.id!r} is taken; choose another")],
                code="study_id_taken",
            )
        outcome = await load_study(session, definition, actor=actor)
    if not outcome.created:  # cannot happen under the lock above; never pass it silently
        raise Conflict(f"study {definition.id!r} existed already", code="study_id_taken")
    return outcome
