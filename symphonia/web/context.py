"""Typed page contexts: every template receives one frozen dataclass as `page`.

A template then reads `page.study.title`, never a loose dict key that may be missing, and
mypy checks what each controller hands its template. Contexts hold read models only, so
rendering never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.response import Template

from symphonia.core.actors import Actor


def page(template: str, context: Any, *, status_code: int = 200) -> Template:
    return Template(template, context={"page": context}, status_code=status_code)


@dataclass(frozen=True, slots=True)
class NavItem:
    text: str
    href: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Nav:
    """The service navigation of a signed-in person's pages."""

    items: tuple[NavItem, ...]
    signed_in: bool = True
    who: str = ""


def nav_for(actor: Actor, current: str = "") -> Nav:
    """Navigation for `actor`; `current` is the href of the page being shown."""
    items = [NavItem("Your studies", "/studies")]
    if actor.may_create_studies:
        items.append(NavItem("New study", "/studies/new"))
    return Nav(
        tuple(NavItem(i.text, i.href, i.href == current) for i in items),
        who=actor.label.split(":", 1)[-1],
    )
