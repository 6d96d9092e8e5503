"""Compare this machine's Python environment with every node of a Ray cluster.

The functions take the same positional arguments as geneva's, so switching is a change
of import::

    >>> from genevars import compare_ray_environments, get_comparison_result
    >>> result = compare_ray_environments(auto_init=True, ray_address="local")  # doctest: +SKIP
    >>> result.errors                                                           # doctest: +SKIP
    []

From a shell (exit status 0 clean, 1 findings at or above ``--fail-on``, 2 usage, input
or connection error)::

    python -m genevars.compare_env --address local
    python -m genevars.compare_env --address 10.0.0.5:6379 --json --fail-on warning

Ray is imported only when a comparison runs (``genevars._ray``), never by
``import genevars``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence, TextIO, Union

from genevars import _core
from genevars.cli import (
    EXIT_FINDINGS,
    FAIL_ON_CHOICES,
    MAX_TIMEOUT_SECONDS,
    CliError,
    add_common,
    add_fail_on,
    add_format,
    exit_status,
    note,
    print_comparison,
    seconds,
)

if TYPE_CHECKING:
    from genevars._compare import ComparisonResult
    from genevars._findings import FailOn
    from genevars._manifest import Manifest

#: A manifest to apply: a Manifest, or the path of a file saved with ``Manifest.save``.
ManifestLike = Union["Manifest", str, "os.PathLike[str]"]

NodeSelection = Union[str, Sequence[str]]


class EnvironmentMismatchError(_core.GenevarsError):
    """Raised by ``compare_ray_environments(fail_on=...)`` when findings reach ``fail_on``,
    and by the tasks of a worker that :func:`genevars.guard` found drifting.

    ``.result`` holds the full :class:`~genevars.ComparisonResult` (``None`` when raised
    by a guarded worker: its message names the node and the findings).
    """

    def __init__(self, message: str, result: Optional[ComparisonResult] = None) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> Any:
        # Raised in a Ray worker, it is pickled to the driver: by its message (a
        # ComparisonResult wraps a native object that does not pickle).
        return (type(self), (str(self),))


def _runtime_env_of(
    runtime_env: Optional[Mapping[str, Any]], manifest: Optional[ManifestLike]
) -> Optional[Dict[str, Any]]:
    """The runtime_env the probe tasks run with: the manifest's, then ``runtime_env``
    on top (its ``env_vars`` merged into the manifest's)."""
    merged: Dict[str, Any] = {}
    if manifest is not None:
        if isinstance(manifest, (str, os.PathLike)):
            from genevars._manifest import Manifest

            manifest = Manifest.load(manifest)
        if not callable(getattr(manifest, "to_runtime_env", None)):
            raise TypeError(
                f"manifest must be a genevars Manifest (or any object with to_runtime_env()) "
                f"or a manifest file path, not {type(manifest).__name__}"
            )
        merged.update(manifest.to_runtime_env())
    if runtime_env is not None:
        if not isinstance(runtime_env, Mapping):
            raise TypeError(
                f"runtime_env must be a dict like {{'pip': [...], 'env_vars': {{...}}}}, "
                f"not {type(runtime_env).__name__}"
            )
        for key, value in runtime_env.items():
            if key == "env_vars" and isinstance(merged.get("env_vars"), Mapping):
                merged["env_vars"] = {**merged["env_vars"], **dict(value or {})}
            else:
                merged[key] = value
    return merged or None


def _probe_options(reveal_values: bool, fingerprint_key: str) -> Dict[str, Any]:
    from genevars import _probe

    return {
        "paths": None,
        "secret_rules": _core.secret_rules(),
        "fingerprint_key": fingerprint_key,
        "reveal_values": reveal_values,
        "use_native": True,
        "origin": None,
        "tool_version": _core.__version__,
        # The credential files the driver uses, checked by name on every node.
        "credential_sources": _probe.credential_sources(os.environ),
    }


def _local_snapshot(options: Dict[str, Any]) -> str:
    """This process's snapshot as JSON text, taken as the probes take theirs (its package
    list written by the native scanner, not built as dicts)."""
    from genevars import _probe, _ray

    return _ray.snapshot_text(*_probe.take_snapshot_parts(options))


def get_comparison_result(
    env_prefix: Optional[str] = None,
    auto_init: bool = False,
    ray_address: Optional[str] = "auto",
    runtime_env: Optional[Mapping[str, Any]] = None,
    *,
    timeout: float = 60.0,
    nodes: NodeSelection = "all",
    reveal_values: bool = False,
    manifest: Optional[ManifestLike] = None,
    include_sys_path: bool = True,
) -> ComparisonResult:
    """Compare this process's environment with every alive Ray node; print nothing.

    Every selected node is probed at once by a task pinned to it (asking for no CPU).
    Nodes whose environments are identical form one group; the result compares local
    against each group and the groups against each other. A node that dies, fails or
    does not answer within ``timeout`` seconds becomes an ``unreachable`` finding.

    Args:
        env_prefix: compare only environment variables starting with this prefix.
        auto_init: connect to Ray (``ray_address``) when it is not initialized, and
            disconnect afterwards. Otherwise Ray must already be initialized.
        ray_address: ``"auto"`` (RAY_ADDRESS or the cluster started on this machine),
            ``"local"`` or ``None`` (start a local cluster, stopped afterwards),
            ``"HOST:PORT"`` (GCS) or ``"ray://HOST:PORT"`` (Ray Client).
        runtime_env: a Ray runtime_env dict applied to the probe tasks, so the result
            shows what a job started with it sees.
        timeout: seconds each node has to answer (includes runtime_env setup).
        nodes: ``"all"`` alive nodes, ``"one"`` node, or a list of node ids.
        reveal_values: record secret-looking values in clear and show them in the
            findings, ``env_diffs`` and reports (off: they are withheld and compared by a
            keyed fingerprint that lives for this call only).
        manifest: a :class:`~genevars.Manifest` (or its file path) applied like
            ``runtime_env``; ``runtime_env`` entries win over the manifest's.
        include_sys_path: compare ``sys.path`` entries too.

    Returns:
        A :class:`~genevars.ComparisonResult` with ``findings``, ``groups`` and the
        geneva-compatible ``env_diffs``, ``pkg_diffs`` and ``sys_path_diffs``.

    Raises:
        ImportError: Ray is not installed (``pip install "genevars[ray]"``).
        RuntimeError: Ray is not initialized and ``auto_init`` is false, or the cluster
            does not answer at ``ray_address`` (a :class:`~genevars.ClusterError` too).

    Example:
        >>> import ray                                               # doctest: +SKIP
        >>> ray.init(address="auto")                                 # doctest: +SKIP
        >>> result = get_comparison_result(env_prefix="PY")          # doctest: +SKIP
        >>> [(f["subject"], f["severity"]) for f in result.findings] # doctest: +SKIP
        [('numpy', 'error')]
    """
    effective_env = _runtime_env_of(runtime_env, manifest)
    # A bound, like --timeout's: an infinite or NaN timeout would let one silent node hang
    # the comparison for ever.
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        raise ValueError(
            f"timeout must be more than 0 and at most {MAX_TIMEOUT_SECONDS:g} seconds (a day), not {timeout!r}"
        )
    from genevars import _ray  # first: a missing Ray is the first thing to report

    _ray.require_connection(auto_init)
    from genevars import _probe

    # One fresh key per comparison, held only here and in the probes' arguments.
    options = _probe_options(reveal_values, secrets.token_bytes(32).hex())
    # Before connecting: ray.init changes this process's environment and sys.path. When
    # Ray is connected already, it is taken while the nodes answer.
    local = None if _ray.is_connected() else _local_snapshot(options)
    if auto_init and not _ray.is_connected():
        from genevars._preflight import check_before_connecting

        check_before_connecting(ray_address, timeout)  # a Ray/Python version mismatch
    with _ray.ray_connection(ray_address, auto_init=auto_init, timeout=timeout):
        targets, unreachable = _ray.select_nodes(nodes)
        probes = _ray.start_probes(
            targets,
            options,
            _probe.take_snapshot,
            runtime_env=effective_env,
            timeout=timeout,
            as_json=True,
            take_parts=_probe.take_snapshot_parts,
        )
        if local is None:
            try:
                local = _local_snapshot(options)
            except BaseException:
                probes.cancel()
                raise
        parts, failed = probes.collect_parts()
    del options
    from genevars._compare import compare_node_parts

    return compare_node_parts(
        local,
        parts.rests,
        parts.lists,
        parts.list_of,
        unreachable + failed,
        env_prefix,
        include_sys_path,
        reveal_values=reveal_values,
    )


def _at_or_above(result: ComparisonResult, fail_on: FailOn) -> int:
    """How many findings have severity ``fail_on`` or worse (none for ``never``)."""
    if fail_on not in FAIL_ON_CHOICES:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
    return 0 if fail_on == "never" else len(result.at_or_above(fail_on))


def compare_ray_environments(
    env_prefix: Optional[str] = None,
    show_all: bool = False,
    include_sys_path: bool = True,
    auto_init: bool = False,
    ray_address: Optional[str] = "auto",
    runtime_env: Optional[Mapping[str, Any]] = None,
    *,
    timeout: float = 60.0,
    nodes: NodeSelection = "all",
    fail_on: Optional[FailOn] = None,
    reveal_values: bool = False,
    file: Optional[TextIO] = None,
    manifest: Optional[ManifestLike] = None,
    error: Union[BaseException, str, None] = None,
) -> ComparisonResult:
    """Compare this environment with every Ray node, print the report, return the result.

    The same comparison as :func:`get_comparison_result`, with the report written to
    ``file`` (stdout by default; in a Jupyter notebook, shown once as HTML instead).
    Ray's own variables, paths and vendored packages are classed ``expected`` and shown
    only with ``show_all``.

    Args:
        show_all: also list ``expected`` findings and the full details.
        include_sys_path: compare ``sys.path`` entries too.
        fail_on: ``"error"`` or ``"warning"``: after printing, raise
            :class:`EnvironmentMismatchError` (holding ``.result``) when findings reach
            that severity or a selected node could not be compared. ``None`` or
            ``"never"``: just return the result.
        file: where the report goes (a text stream).
        error: an exception (e.g. caught around ``ray.get``) or a traceback's text: the
            explanation (``result.explain(error)``) is printed before the report.
        Other arguments: as for :func:`get_comparison_result`.

    Example:
        >>> result = compare_ray_environments(auto_init=True, ray_address="local")  # doctest: +SKIP
        === SUMMARY ===
        ...
        >>> compare_ray_environments(runtime_env={"env_vars": {"MODE": "prod"}})    # doctest: +SKIP
        >>> compare_ray_environments(fail_on="error")   # raises on errors, for CI # doctest: +SKIP
    """
    result = get_comparison_result(
        env_prefix,
        auto_init,
        ray_address,
        runtime_env,
        timeout=timeout,
        nodes=nodes,
        reveal_values=reveal_values,
        manifest=manifest,
        include_sys_path=include_sys_path,
    )
    from genevars._compare import in_notebook

    stream = file if file is not None else sys.stdout
    if error is not None:
        stream.write(str(result.explain(error)) + "\n")
    if file is None and in_notebook():
        # One view, as HTML; the text report is for terminals and files.
        result._ipython_display_()
    else:
        # Colour only on the terminal's stdout (the report decides); never into a file.
        color = None if stream is sys.stdout else False
        stream.write(result.report(show_all=show_all, color=color))
        stream.write("\n")
        stream.flush()
    if fail_on is not None:
        count = _at_or_above(result, fail_on)
        incomplete = result.incomplete if fail_on != "never" else None
        if count or incomplete:
            left_out = (
                f"; {incomplete['selected'] - incomplete['compared']} of {incomplete['selected']} "
                "nodes not compared"
                if incomplete
                else ""
            )
            raise EnvironmentMismatchError(
                f"{count} finding(s) at or above {fail_on!r} between local and the Ray nodes"
                f"{left_out} (see the report above)",
                result,
            )
    return result


# --- command line ---------------------------------------------------------------------


def _parse_runtime_env(text: Optional[str]) -> Optional[Dict[str, Any]]:
    """``--runtime-env``: inline JSON, or ``@FILE`` holding JSON."""
    if text is None:
        return None
    source = "--runtime-env"
    if text.startswith("@"):
        path = text[1:]
        source = f"--runtime-env file {path}"
        from genevars._io import read_input

        try:
            text = read_input(path, "runtime_env")
        except _core.GenevarsError as exc:
            raise CliError(f"--runtime-env: {exc}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            'pass a JSON object such as \'{"env_vars": {"A": "1"}}\' or @FILE'
        ) from None
    if not isinstance(value, dict):
        raise CliError(f"{source}: must be a JSON object, not {type(value).__name__}")
    return value


def _parse_nodes(text: str) -> NodeSelection:
    if text in ("all", "one"):
        return text
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise CliError("--nodes: pass all, one, or comma-separated node ids")
    return ids


#: The exit statuses of ``python -m genevars.compare_env`` and ``genevars compare``.
EXIT_STATUSES = (
    "0    every selected node compared, no finding at or above --fail-on",
    "1    findings at or above --fail-on, or a selected node not compared (it did not",
    "     answer, or could not set up the runtime_env), or Ray would refuse this process",
    "     as a driver of the cluster (Ray or Python versions differ)",
    "2    nothing could be compared (no node answered), Ray is missing, the cluster",
    "     cannot be reached, or a --runtime-env/--manifest/--explain input is bad",
    "     (one line on stderr)",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``python -m genevars.compare_env`` and ``genevars compare``."""
    add_common(parser, EXIT_STATUSES)
    parser.add_argument(
        "--address",
        default="auto",
        help="Ray address: auto (default: RAY_ADDRESS or the cluster started here), "
        "local (start a local cluster and stop it afterwards), HOST:PORT or ray://HOST:PORT",
    )
    parser.add_argument("--env-prefix", default=None, metavar="P", help="only compare variables starting with P")
    parser.add_argument("--show-all", action="store_true", help="also show expected (Ray-injected) differences")
    parser.add_argument("--no-sys-path", action="store_true", help="skip the sys.path comparison")
    parser.add_argument(
        "--no-auto-init", action="store_true", help="do not connect to Ray (only useful when embedded)"
    )
    add_format(parser)
    add_fail_on(parser)
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="per-node timeout, more than 0 and at most a day (default 60)",
    )
    parser.add_argument(
        "--runtime-env", default=None, metavar="JSON|@FILE", help="runtime_env applied to the probe tasks"
    )
    parser.add_argument(
        "--manifest",
        default=None,
        metavar="FILE",
        help="a genevars manifest file (Manifest.save(), --fix-manifest) the job will run with: "
        "applied to the probes, so the comparison shows the workers as the job will see them",
    )
    parser.add_argument(
        "--fix-manifest", default=None, metavar="FILE", help="write the manifest that closes the gap to FILE"
    )
    parser.add_argument(
        "--nodes", default="all", metavar="all|one|ID,ID", help="which nodes to probe (default: all alive nodes)"
    )
    parser.add_argument(
        "--reveal-values", action="store_true", help="show secret-looking values in clear (off by default)"
    )
    parser.add_argument(
        "--explain",
        default=None,
        metavar="FILE|-",
        help="a traceback (file, or - for stdin): print which findings most likely caused it first "
        "(to stderr with --format json or html)",
    )
    parser.set_defaults(func=run)


def _read_explain(path: Optional[str]) -> Optional[str]:
    if path is None:
        return None
    from genevars._explain import read_error_file

    try:
        return read_error_file(path)
    except OSError as exc:
        raise CliError(f"--explain {path}: cannot read it ({exc.strerror or exc}); pass a file holding the traceback, or -") from None


def run(args: argparse.Namespace) -> int:
    """Run a comparison for parsed CLI arguments; return the exit status."""
    runtime_env = _parse_runtime_env(args.runtime_env)
    nodes = _parse_nodes(args.nodes)
    error_text = _read_explain(getattr(args, "explain", None))
    manifest = None
    if args.manifest is not None:
        if not os.path.isfile(args.manifest):
            raise CliError(f"--manifest: no file {args.manifest}; pass a manifest saved with Manifest.save()")
        try:
            from genevars._manifest import Manifest

            manifest = Manifest.load(args.manifest)
        except _core.GenevarsError as exc:
            raise CliError(f"--manifest {args.manifest}: {exc}") from None
    address = None if args.address == "local" else args.address
    if address is None and "ray" not in sys.modules:
        # A cluster started only for this comparison listens on loopback only. Ray reads
        # this at import; set for both sides, it makes no difference between them.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        # Nor does it report usage statistics anywhere.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        result = get_comparison_result(
            args.env_prefix,
            not args.no_auto_init,
            address,
            runtime_env,
            timeout=args.timeout,
            nodes=nodes,
            reveal_values=args.reveal_values,
            manifest=manifest,
            include_sys_path=not args.no_sys_path,
        )
    except ImportError as exc:
        raise CliError(str(exc)) from None
    except EnvironmentMismatchError as exc:  # the pre-connect check: Ray would refuse
        print(exc)
        return EXIT_FINDINGS
    except (_core.ClusterError, RuntimeError, TypeError, ValueError) as exc:
        raise CliError(_one_line(str(exc))) from None
    if error_text is not None:
        explanation = str(result.explain(error_text)) + "\n"
        (sys.stdout if args.format == "text" else sys.stderr).write(explanation)
    print_comparison(args, result, show_all=args.show_all)
    sys.stdout.flush()
    if result.nothing_compared:
        raise CliError(_nothing_compared(result))
    if args.fix_manifest:
        _write_fix_manifest(result, args.fix_manifest)
        note(args, f"wrote the fix manifest to {args.fix_manifest}")
    return exit_status(result, args.fail_on)


def _nothing_compared(result: ComparisonResult) -> str:
    """The one line for a comparison in which no node answered."""
    nodes = (result.incomplete or {}).get("nodes") or []
    if nodes and all(n["reason"] == "runtime_env" for n in nodes):
        return (
            f"no node could set up the runtime_env, so nothing was compared ({nodes[0]['error']}); "
            "fix the runtime_env or the manifest and compare again"
        )
    why = nodes[0]["error"] if nodes else "the cluster reported no node"
    return (
        f"no node answered the probe, so nothing was compared ({why}); check the nodes "
        "(ray status) and raise --timeout"
    )


def _one_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines)


def _write_fix_manifest(result: ComparisonResult, path: str) -> None:
    try:
        result.fix_manifest("fix").build().save(path)
    except OSError as exc:
        raise CliError(f"--fix-manifest {path}: cannot write it ({exc.strerror})") from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m genevars.compare_env``, the same command as ``genevars compare``.

    Exit status: 0 clean, 1 findings at or above ``--fail-on``, 2 usage, input or
    connection error (one line on stderr), 141 when the reader of stdout went away.
    """
    from genevars.__main__ import main as genevars_main

    return genevars_main(["compare", *(sys.argv[1:] if argv is None else argv)])
