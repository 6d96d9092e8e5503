"""Comparing environments: :func:`compare_snapshots` and :class:`ComparisonResult`.

The comparison itself runs in the Rust core (``genevars._core``); this module accepts the
forms a user has at hand (``Snapshot`` objects, dicts, JSON text, file paths) and wraps the
native result in a friendly, read-only object.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence, Union

from genevars import _core
from genevars._findings import FindingsView

if TYPE_CHECKING:
    from genevars._explain import Explanation
    from genevars._findings import Finding
    from genevars._snapshot import SnapshotLike
    from genevars._manifest import ManifestBuilder



class ComparisonResult(FindingsView, Mapping[str, Any]):
    """The result of comparing environments: findings, counts and geneva's keys.

    Findings are dicts with ``severity`` (error, warning, info, expected), ``category``,
    ``subject``, ``code``, ``local``, ``remote``, ``message`` and ``hint`` (plus ``nodes``
    and ``group`` for cluster comparisons). Secret values never appear in it unless the
    comparison was made with ``reveal_values=True``.

    Example::

        >>> result = compare_snapshots("local.json", "worker.json")
        >>> result.ok                      # no error, every node compared
        False
        >>> result.summary
        {'errors': 1, 'warnings': 0, 'info': 2, 'expected': 7}
        >>> result["pkg_diffs"]["version_mismatch"]
        [['numpy', '1.26.4', '2.2.6']]
        >>> print(result.report())          # the text report
        >>> fix = result.fix_manifest("fix").build()
    """

    __slots__ = ("_native", "_data", "_findings", "_shown_in_cell")

    def __init__(self, native: _core.Comparison) -> None:
        if not isinstance(native, _core.Comparison):
            raise TypeError(
                "ComparisonResult wraps a genevars._core.Comparison; "
                "use genevars.compare_snapshots(local, remote) to make one"
            )
        self._native = native
        self._data: dict[str, Any] | None = None
        # Findings alone are much smaller than the whole JSON (which embeds both snapshots).
        self._findings: list[Finding] | None = None
        # The IPython cell (execution count) that displayed this result, if any.
        self._shown_in_cell: int | None = None

    # -- the data ---------------------------------------------------------------------
    def _dict(self) -> dict[str, Any]:
        if self._data is None:
            data: dict[str, Any] = json.loads(self._native.to_json(False))
            self._data = data
            return data
        return self._data

    def to_dict(self) -> dict[str, Any]:
        """The comparison JSON as a fresh dict (``schema`` ``genevars.comparison/1``).

        Example::

            >>> compare_snapshots(a, b).to_dict()["summary"]["errors"]
            0
        """
        data: dict[str, Any] = json.loads(self._native.to_json(False))
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The comparison JSON; ``indent=None`` gives one compact line.

        Example::

            >>> text = compare_snapshots(a, b).to_json()
            >>> json.loads(text)["schema"]
            'genevars.comparison/1'
        """
        if indent is None:
            return self._native.to_json(False)
        if indent == 2:
            return self._native.to_json(True)
        return json.dumps(self._dict(), indent=indent)

    @property
    def kind(self) -> str:
        """``pair`` (two snapshots), ``nodes`` (a cluster) or ``many`` (N snapshots)."""
        return self._native.kind

    @property
    def findings(self) -> list[Finding]:
        """Every finding, most severe first (expected ones included): each a fresh dict."""
        findings = self._findings
        if findings is None:
            findings = self._findings = json.loads(self._native.findings_json())
        return [f.copy() for f in findings]

    @property
    def ok(self) -> bool:
        """The verdict, the same as the exit status and the headline: no finding at
        ``error`` level, and every selected node compared (a node that did not answer or
        could not set up its runtime_env makes it False)."""
        return bool(self._native.ok)

    @property
    def incomplete(self) -> dict[str, Any] | None:
        """For a cluster comparison that left selected nodes out: ``{"selected",
        "compared", "nodes": [{"node_id", "node_address", "reason", "error"}]}`` (reason
        ``unreachable`` or ``runtime_env``); None when every node was compared.

        Example::

            >>> result.incomplete["nodes"][0]["reason"]
            'runtime_env'
        """
        text = self._native.incomplete_json()
        if text is None:
            return None
        incomplete: dict[str, Any] = json.loads(text)
        return incomplete

    @property
    def nothing_compared(self) -> bool:
        """A cluster comparison in which no node could be compared: nothing was diagnosed."""
        return bool(self._native.nothing_compared)

    @property
    def summary(self) -> dict[str, int]:
        """Counts by severity: ``errors``, ``warnings``, ``info``, ``expected``."""
        return dict(self._native.summary)

    @property
    def groups(self) -> list[dict[str, Any]]:
        """Node groups (cluster comparisons) or environments (N-way diffs); else ``[]``."""
        return [dict(g) for g in self._dict()["groups"]]


    # -- rendering --------------------------------------------------------------------
    def report(self, show_all: bool = False, color: bool | None = None) -> str:
        """The text report: a summary (each error with its hint), then geneva's sections.

        ``show_all`` lists the expected findings (what Ray injects) and appends both
        snapshots as JSON, secrets still withheld. ``color=None`` colours only when
        standard output is a terminal and ``NO_COLOR`` is unset.

        Example::

            >>> print(compare_snapshots("local.json", "worker.json").report())
            genevars: local vs remote: PROBLEMS FOUND: 1 error, ...
        """
        if color is None:
            color = _color_wanted(sys.stdout)
        return self._native.report(show_all, bool(color))

    def to_html(self, show_all: bool = False) -> str:
        """The HTML view (what a notebook shows) as a fragment: the verdict, the node
        groups, what differs; ``show_all`` lists the expected findings too. Values are
        escaped and secrets withheld as in the text report.

        Example::

            >>> html = compare_snapshots("local.json", "worker.json").to_html()
            >>> html.startswith('<div class="genevars-comparison">')
            True
        """
        return self._native.html(show_all)

    def _repr_html_(self) -> str:
        return self._native.html(False)

    def _ipython_display_(self) -> None:
        """Shows the result in IPython as HTML, once per cell: a cell that ends with
        ``compare_ray_environments()``, which has shown it already, shows nothing more."""
        from IPython import get_ipython
        from IPython.display import publish_display_data

        shell = get_ipython()
        cell = getattr(shell, "execution_count", None)
        if cell is not None and self._shown_in_cell == cell:
            return
        self._shown_in_cell = cell
        publish_display_data({"text/html": self._repr_html_(), "text/plain": repr(self)})

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<ComparisonResult {self.kind}: {s['errors']} errors, {s['warnings']} warnings, "
            f"{s['info']} info, {s['expected']} expected>"
        )

    def __str__(self) -> str:
        return self.report(color=False)

    # -- the fix ----------------------------------------------------------------------
    def fix_manifest(self, name: str = "fix") -> ManifestBuilder:
        """A ManifestBuilder pinning local versions of what differs or is missing.

        Example::

            >>> manifest = result.fix_manifest("fix").build()
            >>> manifest.to_runtime_env()["pip"]
            ['numpy==1.26.4']
        """
        from genevars._manifest import fix_manifest_builder

        return fix_manifest_builder(self, name)

    # -- the error -------------------------------------------------------------------
    def explain(self, error: BaseException | str) -> Explanation:
        """The findings ranked by how likely each caused ``error`` (an exception, e.g. a
        RayTaskError caught around ``ray.get``, or a traceback's text): a
        :class:`genevars.Explanation`, likeliest cause first, each with its ``because``.

        Example::

            >>> why = result.explain(exc)
            >>> why.causes[0].finding["subject"], why.causes[0].because
            ('numpy', ['the error text matches a known symptom of numpy: ...', ...])
        """
        from genevars._explain import explain

        return explain(self, error)

    # -- mapping access, as geneva's dict results allowed -----------------------------
    def __getitem__(self, key: str) -> Any:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (where results render as HTML), not a
    terminal; IPython is imported only when it is loaded already."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _color_wanted(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False


def _snapshot_text(obj: SnapshotLike, role: str) -> tuple[str, str]:
    """JSON text of a snapshot given as a Snapshot, dict, JSON text or path, and a name
    for error messages."""
    to_json = getattr(obj, "to_json", None)
    if callable(to_json) and not isinstance(obj, (str, bytes, os.PathLike)):
        return str(to_json()), f"{role} snapshot"
    if isinstance(obj, Mapping):
        return json.dumps(obj), f"{role} snapshot"
    if isinstance(obj, str) and obj.lstrip().startswith("{"):
        return obj, f"{role} snapshot"
    if isinstance(obj, (str, os.PathLike)):
        from genevars._io import read_input

        path = os.fspath(obj)
        from genevars._foreign import as_snapshot_text  # pip inspect, pip list, locks

        return as_snapshot_text(read_input(path, "snapshot"), path), path
    raise TypeError(
        f"{role} snapshot: expected a genevars.Snapshot, a dict, JSON text or a path, "
        f"got {type(obj).__name__}"
    )


def compare_snapshots(
    local: SnapshotLike,
    remote: SnapshotLike,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    reveal_values: bool = False,
) -> ComparisonResult:
    """Compare two environments: ``local`` where code is submitted, ``remote`` where it runs.

    Each side may be a :class:`genevars.Snapshot`, a snapshot dict, JSON text, or the path
    of a snapshot file. ``env_prefix`` limits the variables compared to names starting with
    it; ``include_sys_path=False`` skips sys.path. ``reveal_values=True`` shows the plain
    values of secret-looking variables and URL credentials in findings, ``env_diffs`` and
    reports; only snapshots taken with ``reveal_values`` hold them (values withheld at
    capture stay withheld and are compared by fingerprint).

    Raises :class:`genevars.SnapshotError` for an unreadable or invalid snapshot.

    Example::

        >>> from genevars import compare_snapshots, snapshot_env
        >>> result = compare_snapshots(snapshot_env(), "worker.json", env_prefix="AWS")
        >>> result.ok, [f["subject"] for f in result.errors]
        (False, ['numpy'])
    """
    local_text, local_name = _snapshot_text(local, "local")
    remote_text, remote_name = _snapshot_text(remote, "remote")
    native = _core.compare(
        local_text,
        remote_text,
        env_prefix,
        include_sys_path,
        local_name=local_name,
        remote_name=remote_name,
        reveal_values=reveal_values,
    )
    return ComparisonResult(native)


def compare_many(
    snapshots: Sequence[SnapshotLike],
    labels: Sequence[str] | None = None,
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    reveal_values: bool = False,
) -> ComparisonResult:
    """Compare the first environment with each of the others, with a matrix of what differs.

    ``labels`` name the environments in the report (default: file names for paths,
    ``snapshot N`` otherwise). Findings about environment ``i`` carry ``group = i - 1``.
    ``reveal_values``: as for :func:`compare_snapshots`.

    Example::

        >>> result = compare_many(["local.json", "pt22.json", "pt24.json"])
        >>> result["matrix"]["columns"]
        ['local.json', 'pt22.json', 'pt24.json']
    """
    texts: list[str] = []
    names: list[str] = []
    for i, snap in enumerate(snapshots):
        text, name = _snapshot_text(snap, f"snapshot {i}")
        texts.append(text)
        names.append(name)
    if labels is None:
        labels = [os.path.basename(n) if os.path.sep in n else n for n in names]
    if len(texts) < 2:
        raise _core.ComparisonError(f"need at least two snapshots to compare, got {len(texts)}")
    return ComparisonResult(
        _core.compare_many(
            texts, list(labels), env_prefix, include_sys_path, reveal_values=reveal_values
        )
    )


def compare_node_snapshots(
    local: SnapshotLike,
    nodes: Iterable[SnapshotLike],
    unreachable: Iterable[Mapping[str, Any]] = (),
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    reveal_values: bool = False,
) -> ComparisonResult:
    """Compare local with the snapshots of a cluster's nodes, grouping identical nodes.

    Each node snapshot's ``origin`` names its node (``node_id``, ``node_address``,
    ``hostname``); ``unreachable`` lists ``{"node_id", "node_address", "error"}`` for nodes
    whose probe failed. ``compare_ray_environments`` calls this after probing.
    ``reveal_values``: as for :func:`compare_snapshots`.

    Example::

        >>> result = compare_node_snapshots(local, [n1, n2, n3])
        >>> [len(g["nodes"]) for g in result.groups]
        [2, 1]
    """
    local_text, _ = _snapshot_text(local, "local")
    node_texts = [_snapshot_text(n, f"node {i}")[0] for i, n in enumerate(nodes)]
    native = _core.compare_nodes(
        local_text,
        node_texts,
        [dict(u) for u in unreachable],
        env_prefix,
        include_sys_path,
        reveal_values=reveal_values,
    )
    return ComparisonResult(native)


def compare_node_parts(
    local: SnapshotLike,
    rests: Sequence[str],
    package_lists: Sequence[str],
    list_of: Sequence[int],
    unreachable: Iterable[Mapping[str, Any]] = (),
    env_prefix: str | None = None,
    include_sys_path: bool = True,
    *,
    reveal_values: bool = False,
) -> ComparisonResult:
    """:func:`compare_node_snapshots` on nodes as the Ray probes send them: ``rests[i]``
    is node ``i``'s snapshot as JSON text without ``"packages"``, and its package list is
    ``package_lists[list_of[i]]`` (JSON text). Nodes sharing a list share one copy of it,
    so 10,000 nodes of three images hold three lists, not 10,000.
    """
    local_text, _ = _snapshot_text(local, "local")
    native = _core.compare_nodes(
        local_text,
        list(rests),
        [dict(u) for u in unreachable],
        env_prefix,
        include_sys_path,
        reveal_values=reveal_values,
        package_lists=list(package_lists),
        node_lists=list(list_of),
    )
    return ComparisonResult(native)


__all__ = ["ComparisonResult", "compare_many", "compare_node_parts", "compare_node_snapshots", "compare_snapshots"]
