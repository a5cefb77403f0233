"""Where the web platform's files are: templates (top-level `templates/`) and built assets.

Both are found beside the source tree in a checkout; an installed wheel carries the
templates under `share/symphonia/templates` (as it carries the prompts), looked at last.
The assets (htmx, the compiled stylesheet) are built by `make install` from npm packages;
a missing build is a set-up error named with the command that fixes it, not a page
without styles.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from symphonia.core.errors import SymphoniaError
from symphonia.settings import Settings

_ROOT = Path(__file__).resolve().parents[2]
REQUIRED_ASSETS = ("htmx.min.js", "symphonia.css")


class MissingAssets(SymphoniaError):
    """The front-end build is missing: the pages would have no styles or htmx."""


def templates_dir() -> Path:
    candidate = _ROOT / "templates"
    installed = Path(sys.prefix) / "share" / "symphonia" / "templates"
    if not candidate.is_dir() and installed.is_dir():
        return installed
    return candidate


def static_dir(settings: Settings) -> Path:
    """The built assets; refused with the fix when any is missing."""
    folder = settings.web.static_dir or Path(__file__).resolve().parent / "static"
    missing = [name for name in REQUIRED_ASSETS if not (folder / name).is_file()]
    if missing:
        raise MissingAssets(
            f"front-end assets missing from {folder}: {', '.join(missing)}; "
            "run `make install` (it builds them from the npm packages) "
            "or set SYMPHONIA_STATIC_DIR"
        )
    return folder


def template_environment() -> Environment:
    """Autoescaped Jinja2 over `templates/`. Undefined names fail loudly: a page context is a
    typed dataclass, so a template reading a name it was not given is a bug to catch in tests,
    not an empty string to ship."""
    return Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
