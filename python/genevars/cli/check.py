"""`genevars check`: broken requirements and known incompatibilities, like `pip check`.

    genevars check [SNAPSHOT.json [REMOTE.json]] [--rules FILE ...] [--manifest FILE]
                   [--pins PINS|@FILE] [--format text|json|html] [--fail-on error|warning|never]
"""

from __future__ import annotations

import argparse

from genevars.cli import CliError, add_common, add_fail_on, add_format, exit_status, html_page

DESCRIPTION = """\
Check every installed distribution's requirements (markers evaluated for that
environment, extras active where a dependent asked for them) and the rules of known
incompatibilities. With two snapshots, also the driver-vs-workers rules. With
--manifest or --pins, also what installing those pins would break or fix."""

EXIT_STATUSES = (
    "0    no finding at or above --fail-on",
    "1    findings at or above --fail-on",
    "2    a snapshot, rules, manifest or pins file is missing or invalid (one line on stderr)",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check requirements and known incompatibilities (one environment or two)",
        description=DESCRIPTION,
    )
    add_common(parser, EXIT_STATUSES)
    parser.add_argument("snapshot", nargs="?", help="snapshot JSON (default: this environment)")
    parser.add_argument("remote", nargs="?", help="a worker's snapshot JSON to check against")
    parser.add_argument(
        "--rules", action="append", metavar="FILE", help="extra rules TOML file; repeatable"
    )
    # The same --manifest as `genevars compare`: a manifest file the job will run with.
    parser.add_argument(
        "--manifest",
        metavar="FILE",
        help="a genevars manifest file (Manifest.save(), --fix-manifest) the job will run "
        "with: judge its pins before installing them",
    )
    parser.add_argument(
        "--pins",
        metavar="PINS|@FILE",
        help="pins to judge before installing them: comma-separated, or @requirements.txt",
    )
    add_format(parser)
    add_fail_on(parser)
    parser.set_defaults(func=run)


def _pins(spec: str) -> list[str]:
    if spec.startswith("@"):
        from genevars._core import GenevarsError
        from genevars._io import read_input

        try:
            lines = read_input(spec[1:], "requirements").splitlines()
        except GenevarsError as exc:
            raise CliError(f"--pins: {exc}") from None
        return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]
    return [p.strip() for p in spec.split(",") if p.strip()]


def _manifest_pins(path: str) -> list[str]:
    """The pins of the manifest file ``path``; pins given as text are --pins' business."""
    import os

    from genevars._core import ManifestError
    from genevars._manifest import Manifest

    if path.startswith("@") or not os.path.exists(path):
        raise CliError(
            f"--manifest {path}: no such manifest file; --manifest takes a file saved with "
            "Manifest.save() or --fix-manifest (as in genevars compare); pass pins with --pins"
        )
    try:
        return list(Manifest.load(path).pip)
    except ManifestError as exc:
        raise CliError(f"--manifest {path}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from genevars._core import GenevarsError
    from genevars._deps import check_requirements

    pins: list[str] | None = None
    if args.manifest is not None:
        pins = _manifest_pins(args.manifest)
    if args.pins is not None:
        pins = (pins or []) + _pins(args.pins)
    try:
        result = check_requirements(args.snapshot, args.remote, rules=args.rules, manifest=pins)
    except (GenevarsError, TypeError) as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        print(result.to_json())
    elif args.format == "html":
        print(html_page("genevars check", result.to_html()), end="")
    elif args.verbosity < 0:
        print(result.headline())
    else:
        print(result.report())
    return exit_status(result, args.fail_on)
