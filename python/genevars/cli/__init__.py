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
    worse, or did not compare every selected node (``complete`` false): with the default
    ``error``, exactly when ``result.ok`` is false."""
    if fail_on == "never":
        return EXIT_OK
    if not getattr(result, "complete", True):
        return EXIT_FINDINGS
    return EXIT_FINDINGS if result.at_or_above(fail_on) else EXIT_OK
