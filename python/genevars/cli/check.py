"""`genevars check`: broken requirements and known incompatibilities, like `pip check`.

    genevars check [SNAPSHOT.json [REMOTE.json]] [--rules FILE ...] [--manifest PINS]
                   [--json] [--fail-on error|warning|never]
"""

from __future__ import annotations

import argparse

from genevars.cli import CliError, add_fail_on, exit_status


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check requirements and known incompatibilities (one environment or two)",
        description=(
            "Check every installed distribution's requirements (markers evaluated for that "
            "environment, extras active where a dependent asked for them) and the rules of "
            "known incompatibilities. With two snapshots, also the driver-vs-workers rules."
        ),
    )
    parser.add_argument("snapshot", nargs="?", help="snapshot JSON (default: this environment)")
    parser.add_argument("remote", nargs="?", help="a worker's snapshot JSON to check against")
    parser.add_argument(
        "--rules", action="append", metavar="FILE", help="extra rules TOML file; repeatable"
    )
    parser.add_argument(
        "--manifest",
        metavar="PINS|@FILE",
        help="pins to judge before installing them: comma-separated, or @requirements.txt",
    )
    parser.add_argument("--json", action="store_true", help="print findings as JSON")
    add_fail_on(parser)
    parser.set_defaults(func=run)


def _pins(spec: str) -> list[str]:
    if spec.startswith("@"):
        from genevars import GenevarsError
        from genevars._io import read_input

        try:
            lines = read_input(spec[1:], "requirements").splitlines()
        except GenevarsError as exc:
            raise CliError(f"--manifest: {exc}") from None
        return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]
    return [p.strip() for p in spec.split(",") if p.strip()]


def run(args: argparse.Namespace) -> int:
    from genevars import GenevarsError
    from genevars._deps import check_requirements

    manifest = _pins(args.manifest) if args.manifest else None
    try:
        result = check_requirements(
            args.snapshot, args.remote, rules=args.rules, manifest=manifest
        )
    except (GenevarsError, TypeError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(result.to_json())
    else:
        print(result.report())
    return exit_status(result, args.fail_on)
