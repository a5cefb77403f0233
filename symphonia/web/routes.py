"""Every route handler of the web platform, collected for the plugin."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from symphonia.web.api.expert import ExpertApiController
from symphonia.web.api.ratings import RatingsApiController
from symphonia.web.api_editor.routes import EditorApi
from symphonia.web.api_facilitator.panel import PanelApi
from symphonia.web.api_facilitator.rounds import RoundsApi
from symphonia.web.api_facilitator.studies import StudySetupApi
from symphonia.web.api_reader.routes import FlagsApi, ReaderApi
from symphonia.web.pages.analysis import AnalysisController
from symphonia.web.pages.contribute import ContributeController
from symphonia.web.pages.contribution_edit import ContributionController
from symphonia.web.pages.editor import EditorController
from symphonia.web.pages.exports import ExportController
from symphonia.web.pages.flags import FlagsController, MyStatementsController
from symphonia.web.pages.home import HomeController
from symphonia.web.pages.mailings import MailingController
from symphonia.web.pages.panel import PanelController
from symphonia.web.pages.protocol import ProtocolController
from symphonia.web.pages.rate import RateController
from symphonia.web.pages.reader import ReaderController
from symphonia.web.pages.rounds_admin import RoundsAdminController
from symphonia.web.pages.sign_in import SignInController
from symphonia.web.pages.studies import StudiesController
from symphonia.web.pages.study_setup import StudySetupController
from symphonia.web.pages.system import health, ready

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    HomeController,
    SignInController,
    StudiesController,
    StudySetupController,
    ProtocolController,
    PanelController,
    MailingController,
    ExportController,
    RoundsAdminController,
    AnalysisController,
    ContributeController,
    ContributionController,
    RateController,
    EditorController,
    ReaderController,
    MyStatementsController,
    FlagsController,
    StudySetupApi,
    PanelApi,
    RoundsApi,
    ExpertApiController,
    RatingsApiController,
    EditorApi,
    ReaderApi,
    FlagsApi,
    health,
    ready,
]
