"""The links along the top of a study's pages: what this person can do in this study.

Which links show is read from the actor's roles (a display choice only: every page's
service checks the permission again, so a hidden link is never the only protection).
"""

from __future__ import annotations

from dataclasses import dataclass

from symphonia.core.actors import Actor, Permission
from symphonia.services.views import StudyView
from symphonia.web.context import NavItem

_PAGES = (
    ("Overview", "", Permission.VIEW_STUDY),
    ("Protocol", "/protocol", Permission.VIEW_STUDY),
    ("Panel", "/panel", Permission.MANAGE_PANEL),
    ("Participation", "/participation", Permission.VIEW_PARTICIPATION),
    ("Published", "/published", Permission.VIEW_PUBLISHED),
    ("Flags", "/flags", Permission.EDIT_SYNTHESIS),
)
_PANELLIST_PAGES = (("Your statements", "/my-statements"),)
"""Pages of a panellist's own (the statements citing them), shown to panellists only."""


@dataclass(frozen=True, slots=True)
class StudyNav:
    slug: str
    title: str
    items: tuple[NavItem, ...]


ROUND_PAGES = "/rounds"
"""The `current` of a round's pages (open, close, analysis, a run): under no link."""


def study_nav(actor: Actor, study: StudyView, current: str = "") -> StudyNav:
    """`current` is the page's suffix under the study ("/panel"; "" for its front page;
    :data:`ROUND_PAGES` for pages under none of the links)."""
    base = f"/studies/{study.slug}"
    items = tuple(
        NavItem(text, base + suffix, suffix == current)
        for text, suffix, permission in _PAGES
        if actor.can(study.id, permission)
    )
    if actor.participant_id is not None:
        items += tuple(NavItem(t, base + s, s == current) for t, s in _PANELLIST_PAGES)
    return StudyNav(study.slug, study.title, items)
