"""``genevars diff``: compare saved snapshots offline.

``genevars diff LOCAL.json REMOTE.json`` compares two environments; with more files, the
first is compared with each of the others and a matrix shows what differs where.
"""

from __future__ import annotations

import argparse

from genevars.cli import CliError, add_common, add_fail_on, add_format, exit_status, print_comparison

DESCRIPTION = """\
Compare environment snapshots (files written by `genevars snapshot -o FILE`).
With two files: LOCAL (where code is submitted) against REMOTE (where it runs).
With more: the first against each of the others, plus a packages x environments matrix."""

EXIT_STATUSES = (
    "0    no finding at or above --fail-on",
    "1    findings at or above --fail-on",
    "2    a file is missing, unreadable or not a genevars snapshot (one line on stderr)",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare saved snapshots (LOCAL.json REMOTE.json [MORE.json ...])",
        description=DESCRIPTION,
    )
    add_common(parser, EXIT_STATUSES)
    parser.add_argument("local", metavar="LOCAL.json", help="the reference snapshot (usually your machine)")
    parser.add_argument("remote", metavar="REMOTE.json", help="the snapshot to compare with it (a worker, an image)")
    parser.add_argument(
        "more", metavar="MORE.json", nargs="*", help="further snapshots, each compared with LOCAL.json"
    )
    # json: the comparison JSON (schema genevars.comparison/1); html: a page to open.
    add_format(parser)
    add_fail_on(parser)
    parser.add_argument(
        "--env-prefix",
        metavar="P",
        default=None,
        help="compare only environment variables whose name starts with P (e.g. AWS_)",
    )
    parser.add_argument(
        "--show-all",
        action="store_true",
        help="also list expected differences (what Ray injects) and print both snapshots as JSON "
        "(secret values stay withheld unless --reveal-values)",
    )
    parser.add_argument(
        "--no-sys-path", action="store_true", help="do not compare sys.path entries"
    )
    parser.add_argument(
        "--reveal-values",
        action="store_true",
        help="show secret-looking values and URL credentials in clear (only snapshots saved "
        "with `genevars snapshot --reveal-values` hold them; off by default)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from genevars._core import GenevarsError
    from genevars._compare import compare_many, compare_snapshots

    include_sys_path = not args.no_sys_path
    try:
        if args.more:
            paths = [args.local, args.remote, *args.more]
            result = compare_many(
                paths, None, args.env_prefix, include_sys_path, reveal_values=args.reveal_values
            )
        else:
            result = compare_snapshots(
                args.local,
                args.remote,
                args.env_prefix,
                include_sys_path,
                reveal_values=args.reveal_values,
            )
    except GenevarsError as exc:
        raise CliError(f"{exc}") from None
    print_comparison(args, result, show_all=args.show_all)
    return exit_status(result, args.fail_on)
