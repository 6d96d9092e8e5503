"""`genevars snapshot`: write this environment (or another) as snapshot JSON."""

from __future__ import annotations

import argparse
import gc
import os
import sys

from genevars.cli import EXIT_OK, CliError, add_common

# Not `typing.TYPE_CHECKING`: importing typing costs every command a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from genevars._core import NativeScan
    from genevars._interpreter import CachedDescription, InterpreterDescription
    from genevars._tree import TreeOptions

DESCRIPTION = """\
Take a snapshot of a Python environment: interpreter, platform, PEP 508 markers,
environment variables (secret values withheld), sys.path and every installed
distribution (the copy `import` loads, and the copies it shadows). Save one here and one
on a worker, then compare them with `genevars diff LOCAL.json REMOTE.json`.
"""

EPILOG = """\
examples:
  genevars snapshot -o local.json
  genevars snapshot --path /mnt/image/usr/lib/python3.11/site-packages -o image.json
  genevars snapshot --python /opt/venv/bin/python -o venv.json
  genevars snapshot --path /mnt/image/site-packages --python-version 3.12 --platform linux-x86_64

A --path tree's Python and platform are the tree's, not this interpreter's: told from its
path (lib/python3.12/) and from the ABI tags of its compiled modules and wheels, else
recorded as unknown (a comparison then says it could not compare them).
"""

EXIT_STATUSES = (
    "0    written",
    "2    bad input: a missing --path directory, an interpreter that cannot be run, an",
    "     unwritable output file (one line on stderr)",
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "snapshot",
        help="write a snapshot of this (or another) Python environment as JSON",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    add_common(parser, EXIT_STATUSES)
    parser.add_argument(
        "--path",
        metavar="DIR",
        action="append",
        dest="paths",
        help=(
            "scan this directory instead of sys.path (repeat for several, in search "
            "order): a mounted image's site-packages, another venv's site-packages"
        ),
    )
    parser.add_argument(
        "--python",
        metavar="EXE",
        help=(
            "snapshot another interpreter: it is asked once for its sys.path, markers and "
            "platform, and its packages are scanned here (it need not have genevars); "
            "its answer is kept in ~/.cache/genevars for the next run until anything it "
            "depends on changes (GENEVARS_NO_CACHE=1: ask every time)"
        ),
    )
    parser.add_argument(
        "--python-version",
        metavar="X.Y[.Z]",
        help="with --path: the tree's Python version, when its path and ABI tags do not say it",
    )
    parser.add_argument(
        "--platform",
        metavar="PLATFORM",
        help=(
            "with --path: the tree's platform (linux-x86_64, macosx-11.0-arm64, win-amd64 "
            "or a wheel platform tag), when its compiled modules do not say it"
        ),
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the JSON to FILE (default: standard output)",
    )
    parser.add_argument(
        "--reveal-values",
        action="store_true",
        help=(
            "store the values of secret-looking variables and URL credentials in plain "
            "text (by default they are withheld; only use this for a file you keep private)"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The scan result becomes ~20 objects per distribution at once: the cycle collector
    # would walk them all several times over, and nothing here makes cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _snapshot_to_file(args)
    finally:
        if collecting:
            gc.enable()


def _snapshot_to_file(args: argparse.Namespace) -> int:
    from genevars._core import SnapshotError

    for path in args.paths or ():
        if not os.path.isdir(path):
            what = "is not a directory" if os.path.exists(path) else "does not exist"
            raise CliError(f"--path {path}: {what}; give a site-packages directory")
    told = [o for o, v in (("--python-version", args.python_version), ("--platform", args.platform)) if v]
    if told and (not args.paths or args.python is not None):
        raise CliError(
            f"{told[0]} describes a --path tree scanned without its interpreter; "
            "use it with --path (and without --python, whose interpreter says it itself)"
        )
    tree = None
    if args.paths and args.python is None:
        from genevars import _tree

        try:
            tree = _tree.TreeOptions(args.python_version, args.platform)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    other = None
    try:
        if args.python is not None:
            # Started before the rest is imported: it describes itself meanwhile.
            from genevars._interpreter import describe_interpreter

            other = describe_interpreter(args.python)
        scan, parts = snapshot_parts(args.paths, other, args.reveal_values, tree)
        packages, unreadable = scan.package_count, scan.unreadable_count
        if other is not None:
            other.remember()
    except SnapshotError as exc:
        raise CliError(str(exc)) from None
    finally:
        if other is not None:
            other.close()
    if args.reveal_values:
        print(
            "genevars: --reveal-values: secret values are stored in plain text",
            file=sys.stderr,
        )
    try:
        if args.output is None:
            sys.stdout.write(scan.snapshot_json(parts, indent=2))
            sys.stdout.write("\n")
            return EXIT_OK
        try:
            if os.name == "posix":
                # Written natively: the text never becomes a Python string.
                with open(args.output, "wb") as f:
                    scan.write_snapshot(parts, f.fileno(), indent=2, end="\n")
            else:
                with open(args.output, "w", encoding="utf-8") as f:
                    f.write(scan.snapshot_json(parts, indent=2))
                    f.write("\n")
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    except SnapshotError as exc:
        raise CliError(str(exc)) from None
    if args.verbosity >= 0:
        note_unreadable = f", {unreadable} unreadable (see \"unreadable\" in the file)" if unreadable else ""
        print(f"wrote {args.output}: {packages} packages{note_unreadable}")
    return EXIT_OK


def snapshot_parts(
    paths: list[str] | None,
    other: InterpreterDescription | CachedDescription | None,
    reveal_values: bool,
    tree: TreeOptions | None = None,
) -> tuple[NativeScan, str]:
    """``(scan, parts)``: a native scan and the JSON text of every other field of the
    snapshot, which ``scan.snapshot_json(parts, indent=2)`` makes the text
    ``Snapshot.to_json(indent=2)`` gives for ``snapshot_env(paths, python=other's
    executable, reveal_values=...)``, byte for byte (``scan.write_snapshot`` writes it to
    a file). The packages never become Python objects: the native scan writes them into
    the text itself (``_core.scan_native``), which at 5,000 packages saves several times
    the scan's own time. ``other`` is an already started ``InterpreterDescription`` (or a
    saved description): the scan runs in the background from the moment its sys.path is
    known, while the rest is imported and gathered here and the interpreter finishes
    describing itself. With ``tree`` (a ``--path`` scan), the Python and platform recorded
    are the tree's (``_tree.apply``). For ``other``'s own sys.path with secrets withheld,
    the rest is made natively (``_core.described_parts``, the same text), where it can
    be had exactly."""
    from genevars import _core

    given = paths
    if paths is None:
        paths = other.sys_path() if other is not None else [e for e in sys.path if isinstance(e, str)]
    scan = _core.scan_native(paths)
    if other is not None and given is None and tree is None and not reveal_values and os.name == "posix":
        from genevars._interpreter import environ

        # Done natively (as a native launcher does it), unless that is declined
        # (src/snapshot/parts.rs says when): then Python assembles it.
        parts = _core.described_parts(other.facts_json(), environ())
        if parts is not None:
            return scan, parts
    return scan, assembled_parts(paths, other, reveal_values, tree)


def assembled_parts(
    paths: list[str],
    other: InterpreterDescription | CachedDescription | None,
    reveal_values: bool,
    tree: TreeOptions | None = None,
) -> str:
    """``snapshot_parts``' text for the scanned ``paths``, assembled in Python."""
    import json

    from genevars import _core, _probe

    rules = _probe.native_rules(_core)
    env = _probe.capture_env(os.environ, rules, None, bool(reveal_values))
    if other is not None:
        facts = _probe.conda_of(other.facts())
    elif tree is not None:
        # A tree's python, platform and conda are its own (_tree.apply replaces them): of
        # this interpreter only the markers are kept (platform.processor() alone would
        # start `uname -p`, and libc_ver() reads the whole executable).
        facts = {"markers": _probe.marker_environment(), "genevars_version": _probe._genevars_version()}
    else:
        facts = _probe._interpreter_facts()
    if tree is not None:
        from genevars import _tree

        facts = _tree.apply(facts, paths, tree.python_version, tree.platform)
    # Every field but the scan's, in the snapshot's order; the native writer puts the
    # packages and unreadable entries in place of these two placeholders.
    placeholders = {"packages": None, "unreadable": None}
    parts = _probe.assemble_snapshot(
        facts, env, paths, placeholders, "native", _core.__version__, rules=rules, reveal=bool(reveal_values)
    )
    _probe.add_node_facts(parts, {}, rules, None)
    return json.dumps(parts)
