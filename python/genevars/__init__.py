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

from genevars._core import (
    ClusterError,
    ComparisonError,
    GenevarsError,
    ManifestError,
    RuleError,
    SnapshotError,
    __version__,
)
from genevars._snapshot import Snapshot, snapshot_env
from genevars._compare import ComparisonResult, compare_snapshots
from genevars._manifest import GenevaManifestBuilder, Manifest, ManifestBuilder
from genevars._deps import check_requirements, minimal_requirements
from genevars.compare_env import (
    EnvironmentMismatchError,
    compare_ray_environments,
    get_comparison_result,
)

__all__ = [
    "ClusterError",
    "ComparisonError",
    "ComparisonResult",
    "EnvironmentMismatchError",
    "GenevaManifestBuilder",
    "GenevarsError",
    "Manifest",
    "ManifestBuilder",
    "ManifestError",
    "RuleError",
    "Snapshot",
    "SnapshotError",
    "__version__",
    "check_requirements",
    "compare_ray_environments",
    "compare_snapshots",
    "get_comparison_result",
    "minimal_requirements",
    "snapshot_env",
]
