"""The `symphonia` command: run a whole Delphi round from the shell on the embedded defaults."""

from symphonia.cli.app import app, main

__all__ = ["app", "main"]
