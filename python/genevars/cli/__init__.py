"""Shared pieces of the command-line interface."""

from __future__ import annotations

import argparse
import sys

# Not `typing.TYPE_CHECKING`: importing typing costs every command a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn, Sequence

    from genevars._compare import ComparisonResult
    from genevars._findings import FailOn, FindingsView

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2


class CliError(Exception):
    """A usage, input or connection problem: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line (what is wrong and where help is), not
    the whole usage block; its subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        # Usage errors echo arguments (`invalid choice: 'https://user:token@host'`).
        from genevars._core import mask_credentials
        from genevars._io import shown_line

        shown = shown_line(mask_credentials(message))
        self.exit(EXIT_INPUT, f"{self.prog}: error: {shown} (see {self.prog} --help)\n")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse's own asks shutil for the terminal width at every add_argument, and
        # importing shutil costs every command a few ms: the same width, found here.
        # formatter_class is typed as taking prog alone; HelpFormatter and its subclasses take width.
        return self.formatter_class(prog=self.prog, width=terminal_columns() - 2)  # type: ignore[call-arg]


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
            stdout = sys.__stdout__
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout is not None else 0
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


def exit_status(result: FindingsView, fail_on: FailOn) -> int:
    """``EXIT_FINDINGS`` when ``result`` (a FindingsView) has findings at ``fail_on`` or
    worse, or left selected nodes uncompared (a node that dropped out may hide findings)."""
    if fail_on == "never":
        return EXIT_OK
    if result.at_or_above(fail_on) or getattr(result, "incomplete", None):
        return EXIT_FINDINGS
    return EXIT_OK


# --- what every command takes and says -------------------------------------------------

#: What ends every command's exit statuses: the main loop handles these for all of them.
EXIT_ALWAYS = (
    "2    also a usage error: an unknown option, a bad value (one line on stderr)",
    "130  interrupted (Ctrl-C)",
    "141  whoever read standard output stopped reading (`... | head`); nothing more is printed",
)


def exit_statuses(statuses: Sequence[str]) -> str:
    """The ``exit status:`` block of a ``--help``: ``statuses`` (``"N  meaning"``), then
    :data:`EXIT_ALWAYS`."""
    return "exit status:\n" + "\n".join(f"  {line}" for line in (*statuses, *EXIT_ALWAYS))


def add_common(parser: argparse.ArgumentParser, statuses: Sequence[str]) -> None:
    """What every command takes: ``--version``, ``-q``/``-v`` (``args.verbosity`` -1, 0
    or 1), and its exit statuses at the end of its ``--help`` (after any epilog).
    Descriptions and epilogs are printed as written, so write them wrapped."""
    from genevars import _core

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    epilog = exit_statuses(statuses)
    parser.epilog = f"{parser.epilog.rstrip()}\n\n{epilog}" if parser.epilog else epilog
    parser.add_argument("--version", action="version", version=f"genevars {_core.__version__}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        dest="verbosity",
        action="store_const",
        const=-1,
        default=0,
        help="print only the result: a text report shrinks to its verdict line, and no notes go to stderr",
    )
    loudness.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="store_const",
        const=1,
        help="also say on stderr what ran, its exit status and how long it took",
    )


#: The formats of a command that reports (``--format``); ``--json`` is ``--format json``.
REPORT_FORMATS = ("text", "json", "html")


def add_format(
    parser: argparse.ArgumentParser, formats: Sequence[str] = REPORT_FORMATS, synonyms: Sequence[str] = ("json",)
) -> None:
    """``--format`` (``args.format``, default ``text``), and ``--NAME`` for each of
    ``synonyms`` as a short way of saying ``--format NAME``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--format",
        choices=formats,
        default="text",
        help=f"how to print the result: {', '.join(formats)} (default: text)",
    )
    for name in synonyms:
        group.add_argument(f"--{name}", dest="format", action="store_const", const=name, help=f"the same as --format {name}")


def note(args: argparse.Namespace, text: str) -> None:
    """A note on stderr (``genevars: TEXT``), unless ``-q``."""
    if args.verbosity >= 0:
        print(f"genevars: {text}", file=sys.stderr)


def detail(args: argparse.Namespace, text: str) -> None:
    """A note on stderr only with ``-v``."""
    if args.verbosity > 0:
        print(f"genevars: {text}", file=sys.stderr)


def print_comparison(args: argparse.Namespace, result: ComparisonResult, show_all: bool = False) -> None:
    """A comparison in ``args.format``; with ``-q``, a text report is its verdict line."""
    if args.format == "json":
        sys.stdout.write(result.to_json(indent=2) + "\n")
    elif args.format == "html":
        sys.stdout.write(html_page("genevars comparison", result.to_html(show_all=show_all)))
    elif args.verbosity < 0:
        sys.stdout.write(result.report(color=False).split("\n", 1)[0] + "\n")
    else:
        sys.stdout.write(result.report(show_all=show_all).rstrip("\n") + "\n")


def html_page(title: str, body: str) -> str:
    """``body`` (an HTML fragment genevars made, its text escaped) as a whole UTF-8 page,
    for a file a browser opens."""
    from html import escape

    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"</head><body>\n{body}\n</body></html>\n"
    )
