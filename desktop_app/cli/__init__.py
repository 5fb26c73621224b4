"""The `jobtray` command line: argparse commands, their output, and `watch`/`poll`, which drive the engine."""

from desktop_app.cli.commands import main

__all__ = ["main"]
