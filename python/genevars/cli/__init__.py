"""Shared pieces of the command-line interface."""

from __future__ import annotations

import argparse

# Not `typing.TYPE_CHECKING`: importing typing costs every command a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from genevars._findings import FindingsView

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2


class CliError(Exception):
    """A usage, input or connection problem: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (what is wrong and where help is), not
    the whole usage block; its subcommands' parsers are of this class too."""

    def error(self, message: str):  # type: ignore[override]
        # Usage errors echo arguments (`invalid choice: 'https://user:token@host'`).
        from genevars._core import mask_credentials
        from genevars._io import shown_line

        shown = shown_line(mask_credentials(message))
        self.exit(EXIT_INPUT, f"{self.prog}: error: {shown} (see {self.prog} --help)\n")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse's own asks shutil for the terminal width at every add_argument, and
        # importing shutil costs every command a few ms: the same width, found here.
        return self.formatter_class(prog=self.prog, width=terminal_columns() - 2)


def terminal_columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size().columns`` gives it: $COLUMNS,
    else the width of the terminal standard output is, else 80."""
    import os
    import sys

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


#: The longest ``--timeout``: a day (runtime_env setups that install CUDA wheels take
#: minutes; nothing genevars waits for takes a day).
MAX_TIMEOUT_SECONDS = 86400.0


def seconds(text: str) -> float:
    """argparse type of ``--timeout``: a finite number of seconds in (0, one day]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # NaN fails this too
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_TIMEOUT_SECONDS:g} seconds (a day), not {text}"
        )
    return value


FAIL_ON_CHOICES = ("error", "warning", "never")


def add_fail_on(parser: argparse.ArgumentParser) -> None:
    """The ``--fail-on`` flag every command that reports findings takes."""
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="error",
        help="exit 1 when a finding is at least this severe (default: error; never: always exit 0)",
    )


def exit_status(result: FindingsView, fail_on: str) -> int:
    """``EXIT_FINDINGS`` when ``result`` (a FindingsView) has findings at ``fail_on`` or
    worse, or left selected nodes uncompared (a node that dropped out may hide findings)."""
    if fail_on == "never":
        return EXIT_OK
    if result.at_or_above(fail_on) or getattr(result, "incomplete", None):
        return EXIT_FINDINGS
    return EXIT_OK
