"""How commands present themselves in `--help`, through Typer's own extension points.

- The app uses Typer's plain help formatter (``rich_markup_mode=None``): its Rich panels
  print a ``<bool>`` type beside every on/off flag, `--help` included, as though the flag
  took a value; the plain formatter shows flags as flags and still lists choices
  (``--format <json|md>``).
- :class:`Command` (Typer's documented ``cls=`` hook) writes required arguments in the usage
  line as ``STUDY NUMBER`` rather than Typer's ``{study} {number}``, which reads like
  literal braces to type. Arguments name themselves through ``metavar``.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand


class Command(TyperCommand):
    """A Typer command whose usage line shows required arguments as bare names."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # Typer's (vendored) Context
        return [
            piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
            for piece in super().collect_usage_pieces(ctx)
        ]
