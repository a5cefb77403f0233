"""What every command shares: the container, the operator actor, progress bars, clean errors.

Bad input must give a clear message and a non-zero exit, never a traceback: `handle_errors`
turns every refusal (anything under :class:`symphonia.core.errors.SymphoniaError`, and
OS and database errors) into one line (or a list of problems) on stderr, followed by the
command that fixes it when the refusal's code has one (:mod:`symphonia.cli.hints`), and
exit code 2 (1 is kept for unexpected failures).

Each command runs its work through :func:`run`, which builds one
:class:`symphonia.composition.Container` for the command and disposes of it at the end.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

from symphonia.cli.hints import hint_for
from symphonia.cli.refusals import refusal_lines
from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.core.errors import SymphoniaError
from symphonia.settings import Settings, get_settings

T = TypeVar("T")

# markup=False: what these print is mostly the user's own text (titles, paths, ids), and Rich
# would read "[/]" or "[bold]" in it as markup, failing (after the data was written) or
# restyling it. Markup is opted into per call, on our own fixed strings only.
console = Console(soft_wrap=True, markup=False)
err_console = Console(stderr=True, soft_wrap=True, markup=False)

EXPECTED_ERRORS: tuple[type[BaseException], ...] = (SymphoniaError, OSError, SQLAlchemyError)

ACTOR = Actor.operator("cli")
"""Who the command line acts as: the local operator, who owns the database."""


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 theme', '3 themes': summaries people read should not say '1 fragments'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print("[bold red]error:[/] ", end="", markup=True)
    err_console.print(message, highlight=False)
    raise typer.Exit(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    try:
        yield
    except EXPECTED_ERRORS as exc:
        if isinstance(exc, FileNotFoundError) and exc.filename:
            fail(f"no such file: {exc.filename}")
        if isinstance(exc, OSError) and exc.filename:
            fail(f"{exc.filename}: {exc.strerror or exc}")
        if isinstance(exc, SQLAlchemyError):
            fail(f"database error: {getattr(exc, 'orig', None) or exc}")
        lines = refusal_lines(exc)
        hint = hint_for(exc)
        if hint and len(lines) == 1:
            lines = [f"{lines[0]}; {hint}"]
        elif hint:
            lines.append(hint)
        err_console.print("[bold red]error:[/] ", end="", markup=True)
        err_console.print("\n".join(lines), highlight=False)
        raise typer.Exit(2) from None


def warn(message: str) -> None:
    """A warning on stderr: something the user should know that did not stop the command."""
    err_console.print("[bold yellow]warning:[/] ", end="", markup=True)
    err_console.print(message, highlight=False)


def warn_if_cache_rebuilt(embedder: object) -> None:
    """Say so when the embedding cache was unreadable and was started afresh (the texts are
    embedded again; nothing is lost but time)."""
    cache = getattr(embedder, "cache", None)
    recovered = getattr(cache, "recovered", None)
    if recovered:
        warn(f"embedding cache rebuilt: {recovered}")


Work = Callable[[Container], Coroutine[Any, Any, T]]


def run(work: Work[T], *, ensure_current: bool = True) -> T:
    """Run `work` with this command's container (disposed at the end); with
    `ensure_current`, first refuse politely if the database schema is not current."""

    async def main() -> T:
        async with Container(settings()) as container:
            if ensure_current:
                await require_current_schema(container)
            return await work(container)

    with handle_errors():
        return asyncio.run(main())


async def require_current_schema(container: Container) -> None:
    from symphonia.db.migrate import heads

    revision = await container.schema_revision()
    if revision not in heads():
        raise SymphoniaError(
            f"the database schema is not up to date (at {revision or 'nothing'})",
            code="schema_outdated",
        )


def settings() -> Settings:
    return get_settings()


def silence_library_progress() -> None:
    """Turn off the progress bars Hugging Face libraries draw on their own ("Loading
    weights", downloads), for `--quiet`. Their documented switch is the
    HF_HUB_DISABLE_PROGRESS_BARS variable, read when they are first imported (the model is
    loaded lazily, usually after this); libraries already imported are told directly. The
    command is one process, so the setting simply lasts until it exits."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils.tqdm import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback for the pipeline that draws one bar per step."""
    if not enabled:
        yield lambda step, done, total: None
        return
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as bars:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=max(total, 1))
            bars.update(tasks[step], completed=done, total=max(total, 1))

        yield report
