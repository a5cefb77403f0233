"""`symphonia panel …`: the panel's credentials, for facilitators who hand them out
themselves and for tests and benchmarks that act as the whole panel.

`panel links` issues a NEW invitation link and API token for every expert and writes them
as CSV (pseudonym, email, group, link, token): to stdout, or with `--out` to a file written
atomically with mode 0600, since whoever reads it can speak for the panel. The secrets are
shown this once; the database keeps only their hashes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer

from symphonia.cli.common import ACTOR, count, err_console, run
from symphonia.cli.usage import Command
from symphonia.composition import Container
from symphonia.interchange.files import write_atomically
from symphonia.services.panel_links import PanelCredentials, issue_panel_credentials

panel_app = typer.Typer(help="The panel of a study.", no_args_is_help=True)

COLUMNS = ("pseudonym", "email", "group", "link", "token")


def _csv(container: Container, rows: tuple[PanelCredentials, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            (
                r.pseudonym,
                r.email or "",
                r.group or "",
                container.sign_in_url(r.invitation_token),
                r.api_token,
            )
        )
    return buffer.getvalue()


@panel_app.command(
    "links",
    cls=Command,
    short_help="Issue every expert a fresh invitation link and API token (CSV).",
)
def links(
    study: Annotated[str, typer.Argument(help="Study id.", metavar="STUDY")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the CSV to this file (mode 0600, replaced atomically) instead of stdout.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Issue a new invitation link and API token for every expert of the study and write
    them as CSV: pseudonym,email,group,link,token. Earlier links and tokens stay valid."""

    async def go(container: Container) -> str:
        async with container.session() as session:
            rows = await issue_panel_credentials(session, study, actor=ACTOR)
        text = _csv(container, rows)
        if out is not None:
            write_atomically(out, text, mode=0o600)
        noun = count(len(rows), "expert")
        where = f"written to {out}" if out is not None else "above"
        err_console.print(
            f"{noun} of {study!r}: invitation links and API tokens {where}; "
            "they are shown only this once, keep them private",
            markup=False,
            highlight=False,
        )
        return text

    text = run(go)
    if out is None:
        typer.echo(text, nl=False)
