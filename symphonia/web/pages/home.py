"""The front page: what Symphonia is, and the way in."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get
from litestar.response import Template

from symphonia.web.context import page


@dataclass(frozen=True, slots=True)
class HomePage:
    title: str


class HomeController(Controller):
    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def home(self) -> Template:
        return page("home.html", HomePage(title="Symphonia"))
