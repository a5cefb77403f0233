"""Render the LLM prompt templates in prompts/*.j2 and fingerprint them.

Prompts are files, not string constants, so a facilitator can read exactly what the model is
told and a report can name the version that made a draft: every rendered prompt carries the
sha256 of its template source, which the drafter copies into `Synthesis.meta["prompts"]`.

The Jinja environment here is deliberately separate from any HTML environment: autoescape is
off (prompts are plain text; HTML escaping would corrupt quoted evidence) and undefined
variables raise (`StrictUndefined`), so a template/context mismatch fails loudly instead of
sending the model a prompt with a silent hole in it.

Where the templates live: there is one copy, the repository's top-level ``prompts/`` folder.
`prompts_dir()` uses ``SYMPHONIA_PROMPTS_DIR`` when set (a deployment's own, reviewed
prompts), else the ``prompts/`` folder next to the ``symphonia`` package source (a checkout
or editable install), else ``<prefix>/share/symphonia/prompts``, where a wheel installs the
same files (``[tool.setuptools.data-files]`` in pyproject.toml).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

PROMPTS_ENV_VAR = "SYMPHONIA_PROMPTS_DIR"


class PromptError(RuntimeError):
    """A prompt template is missing or does not fit its context."""


def prompts_dir(explicit: str | Path | None = None) -> Path:
    """The folder holding the *.j2 prompt templates (see the module docstring for the order)."""
    if explicit is not None:
        candidate = Path(explicit)
    elif os.environ.get(PROMPTS_ENV_VAR):
        candidate = Path(os.environ[PROMPTS_ENV_VAR])
    else:
        candidate = Path(__file__).resolve().parents[2] / "prompts"
        installed = Path(sys.prefix) / "share" / "symphonia" / "prompts"
        if not candidate.is_dir() and installed.is_dir():
            candidate = installed
    if not candidate.is_dir():
        raise PromptError(
            f"prompt templates not found at {candidate}; set {PROMPTS_ENV_VAR} to the folder "
            "holding the *.j2 prompts (the repository's prompts/ directory)"
        )
    return candidate


def quote_data(text: str) -> str:
    """Quote contributor text as a JSON string that cannot close a delimiter block.

    JSON quoting escapes quotes and newlines, so quoted text is one line that cannot end its
    quotes or start a prompt line of its own; ``</`` becomes ``<\\/`` (a valid JSON escape), so
    it cannot close a delimiter tag either (``</fragments>`` and the like).
    """
    quoted = json.dumps(text, ensure_ascii=False).replace("</", "<\\/")
    # JSON leaves Unicode line breaks as they are; some tokenizers read them as newlines
    return quoted.translate(_UNICODE_LINE_BREAKS)


_UNICODE_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}
_PLAIN_LINE = re.compile(r"[^\x00-\x1f\x7f\x85\u2028\u2029]*")


def one_line(text: str) -> str:
    """Text we composed around contributor-supplied names (a minority sentence naming a
    stakeholder group): as it is when it is one plain line, else quoted like fragment text,
    so a hostile group name can never start a prompt line of its own."""
    return text if _PLAIN_LINE.fullmatch(text) else quote_data(text)


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    name: str
    text: str
    sha256: str
    """Hash of the template *source*, so it identifies the prompt version, not this render."""


class PromptLibrary:
    """A Jinja environment over the prompt folder, with per-template source hashes."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = prompts_dir(directory)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.directory)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701 - plain-text prompts, never HTML
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["quote_data"] = quote_data
        self._env.filters["one_line"] = one_line
        self._hashes: dict[str, str] = {}

    def sha256(self, name: str) -> str:
        """The sha256 of a template's source bytes."""
        if name not in self._hashes:
            path = self.directory / name
            if not path.is_file():
                raise PromptError(f"prompt template {name!r} not found in {self.directory}")
            self._hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        return self._hashes[name]

    def render(self, name: str, **context: Any) -> RenderedPrompt:
        """Render a template; a variable the template needs but the context lacks raises."""
        try:
            template = self._env.get_template(name)
            text = template.render(**context)
        except jinja2.TemplateNotFound as exc:
            raise PromptError(f"prompt template {name!r} not found in {self.directory}") from exc
        except jinja2.UndefinedError as exc:
            raise PromptError(f"prompt template {name!r}: {exc.message}") from exc
        return RenderedPrompt(name=name, text=text.strip() + "\n", sha256=self.sha256(name))
