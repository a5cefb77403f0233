"""The one place a service asks "may this actor do this here?" (DESIGN.md §9).

Every service that touches a study calls :func:`study_for` (or :func:`require` when it
already holds the study), so the web, the API, the CLI and the worker get the same answer
from the table in :mod:`symphonia.core.actors`. Two refusals, on purpose different:

- no role in the study -> :class:`NotFound`, worded as for a study that does not exist, so
  nobody learns of another study's existence, let alone its data;
- a role without the permission -> :class:`PermissionDenied` (the study is no secret to them).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.models import Study
from symphonia.services.errors import NotFound, PermissionDenied
from symphonia.services.lookup import get_study

_WHAT = {
    Permission.VIEW_STUDY: "see this study",
    Permission.VIEW_PARTICIPATION: "see who took part",
    Permission.MANAGE_STUDY: "change the study",
    Permission.MANAGE_MEMBERS: "change who works on the study",
    Permission.MANAGE_PANEL: "manage the panel",
    Permission.RUN_ROUNDS: "open or close rounds",
    Permission.IMPORT_DATA: "import fragments or ratings",
    Permission.CONTRIBUTE: "contribute",
    Permission.RUN_ANALYSIS: "run analyses",
    Permission.VIEW_DRAFTS: "read unpublished drafts",
    Permission.EDIT_SYNTHESIS: "edit the synthesis",
    Permission.APPROVE_SYNTHESIS: "approve a synthesis",
    Permission.PUBLISH: "publish",
    Permission.VIEW_PUBLISHED: "read published reports",
}


def require(actor: Actor, study_id: uuid.UUID, permission: Permission, slug: str = "") -> None:
    """Refuse unless `actor` may do `permission` in the study (see the module docstring)."""
    if actor.can(study_id, permission):
        return
    context = {"study": slug, "permission": permission.value}
    if not actor.sees(study_id):
        raise NotFound(f"unknown study {slug!r}", code="unknown_study", context=context)
    roles = ", ".join(sorted(r.value for r in actor.roles_in(study_id)))
    raise PermissionDenied(
        f"{actor.label} may not {_WHAT[permission]} in study {slug!r} (role: {roles})",
        code="permission_denied",
        context=context,
    )


async def study_for(
    session: AsyncSession,
    slug: str,
    actor: Actor,
    permission: Permission,
    *,
    lock: bool = False,
) -> Study:
    """The study named `slug`, once `actor` is allowed `permission` in it."""
    study = await get_study(session, slug, lock=lock, actor=actor)
    require(actor, study.id, permission, study.slug)
    return study
