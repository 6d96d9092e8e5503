"""Shared pieces of the command-line interface."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2


class CliError(Exception):
    """A usage, input or connection problem: printed as one line, exit status 2."""
