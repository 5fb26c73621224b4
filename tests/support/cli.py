"""Running the command line inside the test process, and a printer that keeps what the engine fronts print."""

from __future__ import annotations

import io

from desktop_app.cli import commands


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`jobtray ARGV...` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = commands.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class RecordingPrinter:
    """What `watch`/`poll` print, kept: `lines` (stdout) and `warnings` (stderr)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.warnings: list[str] = []

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
