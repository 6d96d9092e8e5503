"""genevars: why your Python code behaves differently on Ray workers, and the fix.

Compare the machine that submits a job with every node of the Ray cluster that runs it::

    >>> from genevars import compare_ray_environments
    >>> result = compare_ray_environments()          # inside an active Ray context
    >>> fix = result.fix_manifest("fix").build()     # pins and env vars that close the gap

Or compare saved snapshots offline::

    >>> from genevars import snapshot_env, compare_snapshots, Snapshot
    >>> local = snapshot_env()
    >>> result = compare_snapshots(local, Snapshot.load("worker.json"))
    >>> result.ok
    True

``import genevars`` never imports Ray; only the cluster functions do, when called.
"""

from __future__ import annotations

# Not `from typing import TYPE_CHECKING`: importing typing is a measurable share of
# `import genevars`, and type checkers read this spelling the same way.
TYPE_CHECKING = False

from genevars._core import (
    ClusterError,
    ComparisonError,
    GenevarsError,
    ManifestError,
    RuleError,
    SnapshotError,
    __version__,
)

# Public names load their module on first use (PEP 562), so `import genevars` costs only
# the native module; the rest (the dependency checker, manifests, the Ray entry points)
# is paid for by the programs that use it.
_LAZY = {
    "Snapshot": "genevars._snapshot",
    "snapshot_env": "genevars._snapshot",
    "installed_versions": "genevars._snapshot",
    "ComparisonResult": "genevars._compare",
    "compare_snapshots": "genevars._compare",
    "GenevaManifestBuilder": "genevars._manifest",
    "Manifest": "genevars._manifest",
    "ManifestBuilder": "genevars._manifest",
    "check_requirements": "genevars._deps",
    "minimal_requirements": "genevars._deps",
    "EnvironmentMismatchError": "genevars.compare_env",
    "compare_ray_environments": "genevars.compare_env",
    "get_comparison_result": "genevars.compare_env",
    "Explanation": "genevars._explain",
    "Cause": "genevars._explain",
    "FailOn": "genevars._findings",
    "Finding": "genevars._findings",
    "Severity": "genevars._findings",
    "guard": "genevars._guard",
    "list_codes": "genevars._findings",
}

if TYPE_CHECKING:
    from genevars._compare import ComparisonResult, compare_snapshots
    from genevars._deps import check_requirements, minimal_requirements
    from genevars._explain import Cause, Explanation
    from genevars._findings import list_codes
    from genevars._findings import FailOn, Finding, Severity
    from genevars._guard import guard
    from genevars._manifest import GenevaManifestBuilder, Manifest, ManifestBuilder
    from genevars._snapshot import Snapshot, installed_versions, snapshot_env
    from genevars.compare_env import (
        EnvironmentMismatchError,
        compare_ray_environments,
        get_comparison_result,
    )


if not TYPE_CHECKING:
    # Hidden from type checkers, which see the imports above: a misspelt name
    # (genevars.compare_snapshot) is an error there, not an attribute of unknown type.
    def __getattr__(name: str):
        """Load a public name's module on first use (PEP 562)."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'genevars' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Cause",
    "ClusterError",
    "ComparisonError",
    "ComparisonResult",
    "EnvironmentMismatchError",
    "Explanation",
    "FailOn",
    "Finding",
    "GenevaManifestBuilder",
    "GenevarsError",
    "Manifest",
    "ManifestBuilder",
    "ManifestError",
    "RuleError",
    "Severity",
    "Snapshot",
    "SnapshotError",
    "__version__",
    "check_requirements",
    "compare_ray_environments",
    "compare_snapshots",
    "get_comparison_result",
    "guard",
    "installed_versions",
    "list_codes",
    "minimal_requirements",
    "snapshot_env",
]
