"""``genevars explain``: which differences most likely caused an error, offline.

``genevars explain TRACEBACK_FILE SNAPSHOT`` compares this environment with SNAPSHOT (a
worker's, saved with ``genevars snapshot -o FILE``); with two snapshots, the first is the
local side and the second the remote; with more, the first against each of the others.
The explanation (likeliest cause first, each with why) is printed, then the report.
"""

from __future__ import annotations

import argparse

from genevars.cli import CliError, add_common, add_format, html_page

DESCRIPTION = """\
Explain an error: rank the differences between environments by how likely each caused it.
TRACEBACK_FILE holds the traceback (- reads it from stdin). With one SNAPSHOT, this
environment is compared with it; with two, the first (local) with the second (remote);
with more, the first with each of the others."""

EXIT_STATUSES = (
    "0    the explanation was printed (whether or not a difference explains the error)",
    "2    a file is missing, unreadable or not a genevars snapshot (one line on stderr)",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="which differences most likely caused an error (TRACEBACK_FILE SNAPSHOT ...)",
        description=DESCRIPTION,
    )
    add_common(parser, EXIT_STATUSES)
    parser.add_argument("traceback", metavar="TRACEBACK_FILE", help="the traceback's text, or - for stdin")
    parser.add_argument(
        "snapshots", metavar="SNAPSHOT", nargs="+", help="saved snapshots (genevars snapshot -o FILE)"
    )
    add_format(parser)
    parser.add_argument(
        "--no-report", action="store_true", help="print only the explanation, not the report after it (as -q does)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from genevars._core import GenevarsError
    from genevars._compare import compare_many, compare_snapshots
    from genevars._explain import read_error_file

    try:
        error = read_error_file(args.traceback)
    except OSError as exc:
        raise CliError(f"{args.traceback}: cannot read it ({exc.strerror or exc}); pass a file holding the traceback, or -") from None
    try:
        if len(args.snapshots) == 1:
            from genevars._snapshot import snapshot_env

            result = compare_snapshots(snapshot_env(), args.snapshots[0])
        elif len(args.snapshots) == 2:
            result = compare_snapshots(args.snapshots[0], args.snapshots[1])
        else:
            result = compare_many(args.snapshots)
    except GenevarsError as exc:
        raise CliError(f"{exc}") from None
    explanation = result.explain(error)
    with_report = not args.no_report and args.verbosity >= 0
    if args.format == "json":
        print(json.dumps(explanation.to_dict(), indent=2))
    elif args.format == "html":
        from genevars._findings import findings_html

        headline = explanation.text.split("\n", 1)[0]
        body = findings_html([cause.finding for cause in explanation.causes], headline)
        print(html_page("genevars explain", body + (result.to_html() if with_report else "")), end="")
    else:
        print(explanation, end="")
        if with_report:
            print()
            print(result.report(), end="")
    return 0
