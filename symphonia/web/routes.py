"""Every route handler of the web platform, collected for the plugin."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from symphonia.web.api.expert import ExpertApiController
from symphonia.web.pages.contribute import ContributeController
from symphonia.web.pages.contribution_edit import ContributionController
from symphonia.web.pages.home import HomeController
from symphonia.web.pages.sign_in import SignInController
from symphonia.web.pages.studies import StudiesController
from symphonia.web.pages.system import health

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    HomeController,
    SignInController,
    StudiesController,
    ContributeController,
    ContributionController,
    ExpertApiController,
    health,
]
