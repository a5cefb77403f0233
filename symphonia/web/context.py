"""Typed page contexts: every template receives one frozen dataclass as `page`.

A template then reads `page.study.title`, never a loose dict key that may be missing, and
mypy checks what each controller hands its template. Contexts hold read models only, so
rendering never touches the database.
"""

from __future__ import annotations

from typing import Any

from litestar.response import Template


def page(template: str, context: Any, *, status_code: int = 200) -> Template:
    return Template(template, context={"page": context}, status_code=status_code)
