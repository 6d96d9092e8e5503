"""`genevars preflight ADDRESS`: would Ray accept this process as a driver of that cluster?

    genevars preflight HOST:PORT [--format text|json|html] [--timeout SECONDS]

Reads the Ray and Python versions the cluster was started with from its GCS, without
joining it, and reports what Ray would refuse with the fix. Exit 0 when they match, 1 on
a mismatch, 2 when the versions cannot be read (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys

from genevars.cli import EXIT_FINDINGS, EXIT_OK, CliError, add_common, add_format, html_page

DESCRIPTION = """\
Read the Ray and Python versions a cluster was started with (from its GCS, without
joining it) and report a mismatch ray.init would fail on, with its fix."""

EXIT_STATUSES = (
    "0    the versions match: Ray will accept this process as a driver",
    "1    a version mismatch ray.init would fail on",
    "2    the versions cannot be read: no GCS at the address, Ray missing (one line on stderr)",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preflight",
        help="check the cluster's Ray and Python versions before connecting",
        description=DESCRIPTION,
    )
    add_common(parser, EXIT_STATUSES)
    parser.add_argument("address", help="the cluster's GCS address HOST:PORT (or auto)")
    add_format(parser)
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="connect timeout (default 10)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.timeout > 0:
        raise CliError(f"--timeout: must be a positive number of seconds, not {args.timeout:g}")
    if args.address.startswith("ray://"):
        raise CliError(
            "preflight reads the GCS: pass the cluster's GCS address HOST:PORT (6379 by "
            "default), not a ray:// Ray Client address"
        )
    try:
        from genevars import _preflight, _ray
    except ImportError as exc:
        raise CliError(str(exc)) from None
    try:
        address = _ray._resolve_auto_address() if args.address == "auto" else args.address
        cluster = _preflight.read_cluster_versions(address, args.timeout)
    except ImportError as exc:
        raise CliError(str(exc)) from None
    except _ray.RayClusterError as exc:
        raise CliError(str(exc)) from None
    local = _preflight.local_versions()
    findings = _preflight.version_findings(cluster, local)
    verdict = (
        f"VERSION MISMATCH: {len(findings)} error(s); ray.init would fail"
        if findings
        else "OK: Ray will accept this process as a driver"
    )
    headline = f"genevars preflight {address}: {verdict}"
    if args.format == "json":
        body = {"address": address, "cluster": cluster, "local": local, "findings": findings}
        sys.stdout.write(json.dumps(body, indent=2) + "\n")
    elif args.format == "html":
        from genevars._findings import findings_html

        sys.stdout.write(html_page("genevars preflight", findings_html(findings, headline)))
    elif args.verbosity < 0:
        sys.stdout.write(headline + "\n")
    else:
        sys.stdout.write(_preflight.report(address, cluster, local, findings) + "\n")
    return EXIT_FINDINGS if findings else EXIT_OK
