"""The ``genevars`` command: snapshot, diff, compare, check, manifest, requirements.

Each subcommand lives in ``genevars.cli.<name>`` and exposes ``add_parser(subparsers)``
(which registers its flags and sets ``func``). Exit status: 0 clean, 1 findings at or
above ``--fail-on``, 2 usage, input or connection error.
"""

from __future__ import annotations

import argparse
import sys

from genevars.cli import EXIT_INPUT, CliError

SUBCOMMANDS = ("snapshot", "diff", "compare", "check", "manifest", "requirements")


class _Parser(argparse.ArgumentParser):
    """argparse, with credentials masked in the usage errors that echo an argument
    (``invalid choice: 'https://user:token@host'``); subcommand parsers are of this class too."""

    def error(self, message: str):  # type: ignore[override]
        from genevars._core import mask_credentials

        super().error(mask_credentials(message))


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``genevars`` parser. When ``argv`` starts with a subcommand, only that one is
    registered: each subcommand module imports what it needs (``compare`` imports the
    Ray entry points), and a run pays only for its own. Help and errors read the same."""
    from importlib import import_module

    from genevars import __version__

    parser = _Parser(
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
        from genevars._core import mask_credentials

        print(f"genevars: {mask_credentials(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("genevars: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
