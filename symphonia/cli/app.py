"""The command tree. Each group lives in its own module; this one only assembles them."""

from __future__ import annotations

import sys

import typer

from symphonia.cli import (
    account_cmds,
    analyze_cmd,
    data_cmds,
    db_cmds,
    demo_cmd,
    report_cmds,
    study_cmds,
    worker_cmd,
)
from symphonia.cli.usage import Command

app = typer.Typer(
    name="symphonia",
    help=(
        "Symphonia: LLM-assisted Delphi consensus with faithful, traceable synthesis.\n\n"
        "Typical round: `db upgrade`, `study load rounds/connected-icb`, `round open`, "
        "`fragments import`, `round close`, `synthesize`, `export`. "
        "`analyze` works on files alone, with no database."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: see symphonia.cli.usage
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command(
    "analyze",
    cls=Command,
    short_help="Analyse a round from files alone: themes and a cited synthesis.",
)(analyze_cmd.analyze)
app.add_typer(db_cmds.app, name="db")
app.add_typer(study_cmds.study_app, name="study")
app.add_typer(study_cmds.round_app, name="round")
app.add_typer(data_cmds.fragments_app, name="fragments")
app.add_typer(data_cmds.ratings_app, name="ratings")
app.command("import-polis", cls=Command, short_help="Turn a Polis export into a study.")(
    data_cmds.import_polis
)
app.command(
    "synthesize", cls=Command, short_help="Analyse a closed round and draft its synthesis."
)(report_cmds.synthesize)
app.command("export", cls=Command, short_help="Export a synthesis as JSON or Markdown.")(
    report_cmds.export
)
app.command("publish", cls=Command, short_help="Publish a synthesis version of a round.")(
    report_cmds.publish
)
app.command("demo", cls=Command, short_help="Run the demo study end to end.")(demo_cmd.demo)
app.add_typer(report_cmds.analysis_app, name="analysis")
app.add_typer(account_cmds.account_app, name="account")
app.command("worker", cls=Command, short_help="Run requested analysis jobs until stopped.")(
    worker_cmd.worker
)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
