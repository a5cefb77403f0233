"""The web application factory: `create_app()` is what `symphonia serve` and the tests run."""

from __future__ import annotations

import logging

from litestar import Litestar

from symphonia.settings import Settings, get_settings
from symphonia.web.plugin import SymphoniaWeb
from symphonia.web.secrets import web_keys


def create_app(settings: Settings | None = None, *, debug: bool = False) -> Litestar:
    settings = settings or get_settings()
    keys = web_keys(settings.web.secret_key, settings.data_dir)
    logging.getLogger("symphonia.web").setLevel(logging.INFO)
    return Litestar(plugins=[SymphoniaWeb(settings, keys)], debug=debug)
