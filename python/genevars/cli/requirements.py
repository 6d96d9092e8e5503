"""`genevars requirements`: the minimal pinned requirements a worker needs.

    genevars requirements --for udf.py [--for PACKAGE ...] [--target remote.json]
                          [--snapshot local.json] [-o requirements.txt] [--format text|json]
"""

from __future__ import annotations

import argparse
import json
import sys

from genevars.cli import EXIT_OK, CliError, add_common, add_format, note

DESCRIPTION = """\
Compute the installed distributions a job needs: the imports of its Python files
(mapped to distributions through top_level.txt and RECORD) or named packages, closed
over Requires-Dist with the target's markers, pinned to the versions installed here."""

EXIT_STATUSES = (
    "0    the requirements were printed or written (what cannot be resolved is listed on stderr)",
    "2    a snapshot is missing or invalid, or the output file cannot be written (one line on stderr)",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "requirements",
        help="minimal pinned requirements for a job (its files' imports, or packages)",
        description=DESCRIPTION,
    )
    add_common(parser, EXIT_STATUSES)
    parser.add_argument(
        "--for",
        dest="roots",
        action="append",
        required=True,
        metavar="FILE|DIR|PACKAGE|MODULE",
        help="a Python file or directory whose imports are needed, an installed package "
        "(extras allowed: 'ray[default]'), or a module name; repeatable",
    )
    parser.add_argument(
        "--target",
        metavar="SNAPSHOT.json",
        help="the workers' snapshot: markers (python, platform) of where the job runs "
        "(default: this environment)",
    )
    parser.add_argument(
        "--snapshot",
        metavar="SNAPSHOT.json",
        help="the environment to take versions from (default: this environment)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write requirements.txt here")
    # text: requirements.txt; json: the full result.
    add_format(parser, ("text", "json"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from genevars._core import GenevarsError
    from genevars._deps import minimal_requirements

    try:
        result = minimal_requirements(args.roots, snapshot=args.snapshot, target=args.target)
    except (GenevarsError, TypeError) as exc:
        raise CliError(str(exc)) from None
    text = result.to_requirements_txt()
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                out.write(text)
        except OSError as exc:
            raise CliError(f"{args.output}: cannot write: {exc.strerror}") from None
    if args.format == "json":
        payload = {
            "summary": result.summary,
            "requirements": result.requirements,
            "needed": result.needed,
            "unresolved_imports": result.unresolved_imports,
            "not_installed": result.not_installed,
            "imports": result.imports,
            "incompatible_with_target": result.incompatible_with_target,
        }
        print(json.dumps(payload, indent=2))
    elif not args.output:
        sys.stdout.write(text)
    # Before the summary on stderr: a reader gone from stdout ends the command here.
    sys.stdout.flush()
    from genevars._io import shown_line

    note(args, result.summary)
    for pin in result.incompatible_with_target:
        print(shown_line(f"genevars: will not install on the target interpreter: {pin}"), file=sys.stderr)
    if result.unresolved_imports:
        print(
            shown_line("genevars: no installed distribution provides: " + ", ".join(result.unresolved_imports)),
            file=sys.stderr,
        )
    return EXIT_OK
