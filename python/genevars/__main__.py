"""The ``genevars`` command: snapshot, diff, compare, check, manifest, requirements.

Each subcommand lives in ``genevars.cli.<name>`` and exposes ``add_parser(subparsers)``
(which registers its flags and sets ``func``). Exit status: 0 clean, 1 findings at or
above ``--fail-on``, 2 usage, input or connection error.
"""

from __future__ import annotations

import argparse
import sys

from genevars.cli import EXIT_INPUT, CliError

SUBCOMMANDS = ("snapshot", "diff", "compare", "check", "manifest", "requirements", "preflight")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``genevars`` parser. When ``argv`` starts with a subcommand, only that one is
    registered: each subcommand module imports what it needs (``compare`` imports the
    Ray entry points), and a run pays only for its own. Help and errors read the same."""
    from importlib import import_module

    from genevars import __version__

    parser = argparse.ArgumentParser(
        prog="genevars",
        description=(
            "Diagnose why Python code behaves differently on Ray workers than on the "
            "machine that submitted it, and build the runtime_env that fixes it."
        ),
    )
    parser.add_argument("--version", action="version", version=f"genevars {__version__}")
    # prog given: argparse would otherwise format a usage line (importing shutil) to find it.
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", prog="genevars")
    subparsers.required = True
    chosen = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name in (chosen,) if chosen else SUBCOMMANDS:
        import_module(f"genevars.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"genevars: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("genevars: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
