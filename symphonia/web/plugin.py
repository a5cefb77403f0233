"""The one plugin that makes Symphonia's web platform: routes, templates, static files,
security (CSRF, sessions, headers), exception handlers and the OpenAPI schema.

`create_app` in :mod:`symphonia.web.app` only builds Litestar around it, so a test or a
deployment can assemble the same app with other settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.config.app import AppConfig
from litestar.config.csrf import CSRFConfig
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins import InitPluginProtocol
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from symphonia import __version__
from symphonia.settings import Settings
from symphonia.web import routes
from symphonia.web.deps import DEPENDENCIES
from symphonia.web.errors import EXCEPTION_HANDLERS
from symphonia.web.headers import SecurityHeadersMiddleware
from symphonia.web.resources import static_dir, template_environment
from symphonia.web.secrets import WebKeys
from symphonia.web.stores import store_registry

SESSION_COOKIE = "symphonia_session"
CSRF_COOKIE = "symphonia_csrf"
CSRF_HEADER = "x-csrftoken"
MAX_BODY_BYTES = 2 * 1024 * 1024
"""No page or API call needs more than this: a panel CSV of thousands of rows fits in it."""
UNPROTECTED_PATHS = ["^/api/", "^/health$", "^/ready$", "^/static/", "^/schema"]
"""The API authenticates with bearer tokens, never cookies, so a forged cross-site request
carries no credentials: it needs no CSRF token (and API clients could not send one)."""


@dataclass(frozen=True, slots=True)
class SymphoniaWeb(InitPluginProtocol):
    settings: Settings
    keys: WebKeys

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        web = self.settings.web
        app_config.route_handlers.extend(routes.ROUTE_HANDLERS)
        app_config.dependencies.update(DEPENDENCIES)
        app_config.route_handlers.append(
            create_static_files_router(
                path="/static", directories=[static_dir(self.settings)], name="static"
            )
        )
        app_config.template_config = TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(template_environment())
        )
        app_config.plugins.append(HTMXPlugin())
        app_config.csrf_config = CSRFConfig(
            secret=self.keys.csrf,
            cookie_name=CSRF_COOKIE,
            header_name=CSRF_HEADER,
            cookie_secure=web.cookie_secure,
            cookie_httponly=True,
            cookie_samesite="lax",
            exclude=UNPROTECTED_PATHS,
        )
        session = CookieBackendConfig(
            secret=self.keys.session,
            key=SESSION_COOKIE,
            max_age=web.session_max_age_s,
            secure=web.cookie_secure,
            httponly=True,
            samesite="lax",
            exclude=["^/static/", "^/api/"],
        )
        app_config.middleware.extend(
            [
                SecurityHeadersMiddleware(hsts=web.resolved_base_url.startswith("https:")),
                session.middleware,
            ]
        )
        handlers: dict[Any, Any] = dict(app_config.exception_handlers or {})
        handlers.update(EXCEPTION_HANDLERS)
        app_config.exception_handlers = handlers
        app_config.openapi_config = OpenAPIConfig(
            title="Symphonia API",
            version=__version__,
            description=(
                "LLM-assisted Delphi consensus. Versioned under /api/v1; callers authenticate "
                "with `Authorization: Bearer <token>` (see `symphonia panel links`)."
            ),
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        )
        app_config.request_max_body_size = MAX_BODY_BYTES
        state = app_config.state  # the app's own state: its container is set at startup
        app_config.stores = store_registry(lambda: state.container.engine)
        app_config.state.update({"settings": self.settings})
        return app_config
