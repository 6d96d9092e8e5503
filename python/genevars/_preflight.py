"""The check before connecting: does this process's Ray and Python match the cluster's?

``ray.init`` against a cluster started with another Python or Ray version fails with
``RuntimeError: Version mismatch: The cluster was started with: ...`` before anything
else can run. Ray's head stores the versions it was started with in the GCS (internal
KV key ``CLUSTER_METADATA``, namespace ``cluster``, written by
``ray._common.usage.usage_lib.put_cluster_metadata``); a GCS client reads them without
joining the cluster, so the mismatch is reported as findings with their fix first.

Ray's rule (``ray._private.utils.check_version_info``): the Ray version must be equal;
the Python version must match to the patch level for a driver that joins the cluster
(``RAY_DEFAULT_PYTHON_VERSION_MATCH_LEVEL`` may relax it to ``minor``) and to the minor
level for Ray Client (``ray://``). Ray Client's server does not tell its versions before
a session starts, so ``ray://`` addresses are not checked here (Ray Client's own message
says what differs).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from genevars.compare_env import EnvironmentMismatchError

if TYPE_CHECKING:
    from genevars._findings import Finding

CLUSTER_METADATA_KEY = b"CLUSTER_METADATA"
CLUSTER_NAMESPACE = b"cluster"
MATCH_LEVEL_VARIABLE = "RAY_DEFAULT_PYTHON_VERSION_MATCH_LEVEL"


class VersionMismatchError(EnvironmentMismatchError):
    """The cluster runs another Ray or Python version than this process: ``ray.init``
    would fail. ``.findings`` lists them (severity ``error``) with their fix."""

    def __init__(self, message: str, findings: Optional[List[Finding]] = None) -> None:
        super().__init__(message)
        self.findings = list(findings or [])

    def __reduce__(self) -> Any:
        return (type(self), (str(self), self.findings))


def local_versions() -> Dict[str, str]:
    """This process's versions as Ray records them: ``ray_version``, ``python_version``."""
    import ray

    return {"ray_version": ray.__version__, "python_version": ".".join(map(str, sys.version_info[:3]))}


def read_cluster_versions(address: str, timeout: float) -> Dict[str, Any]:
    """The cluster metadata at the GCS ``address`` (``ray_version``, ``python_version``),
    read without joining the cluster. Raises ``RayClusterError`` when it cannot be read."""
    return _read_metadata(address, _reach(address, timeout), timeout)


def _reach(address: str, timeout: float) -> str:
    """The GCS address Ray dials for ``address``, once a gRPC server answers there; the
    error connecting would raise otherwise."""
    from genevars import _ray

    gcs = _ray._canonical_gcs_address(address)
    _ray._check_listening(gcs, timeout, "Ray cluster (GCS)", shown=address)
    _ray._check_grpc_answers(gcs, timeout, "Ray GCS", shown=address)
    return gcs


def _read_metadata(address: str, gcs: str, timeout: float) -> Dict[str, Any]:
    from genevars import _ray
    from ray._raylet import GcsClient  # pyright: ignore[reportAttributeAccessIssue] - not in Ray's _raylet.pyi

    try:
        client = GcsClient(address=gcs)
        raw = client.internal_kv_get(CLUSTER_METADATA_KEY, namespace=CLUSTER_NAMESPACE, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - auth required, an older GCS, a timeout
        raise _ray.RayClusterError(
            f"could not read the cluster's versions at {address}: {_ray._describe_error(exc)}"
        ) from None
    if not raw:
        raise _ray.RayClusterError(f"the Ray cluster at {address} keeps no version metadata (a Ray older than 1.9?)")
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _ray.RayClusterError(f"the Ray cluster at {address} keeps unreadable version metadata") from None
    if not isinstance(metadata, dict) or not {"ray_version", "python_version"} <= set(metadata):
        raise _ray.RayClusterError(f"the Ray cluster at {address} keeps no Ray/Python versions in its metadata")
    return metadata


def match_level(client: bool) -> str:
    """How much of the Python version Ray requires to match: ``minor`` for Ray Client,
    else ``RAY_DEFAULT_PYTHON_VERSION_MATCH_LEVEL`` or ``patch``."""
    if client:
        return "minor"
    level = os.environ.get(MATCH_LEVEL_VARIABLE, "patch")
    return level if level in ("minor", "patch") else "patch"


def version_findings(cluster: Dict[str, Any], local: Dict[str, str], *, client: bool = False) -> List[Finding]:
    """Findings (severity ``error``) for each version Ray will refuse to connect with."""
    findings: List[Finding] = []
    level = match_level(client)
    how = "Ray Client (ray://)" if client else "a driver joining the cluster"
    theirs, ours = str(cluster["python_version"]), local["python_version"]
    parts = 2 if level == "minor" else 3
    if theirs.split(".")[:parts] != ours.split(".")[:parts]:
        minor = ".".join(theirs.split(".")[:2])
        wanted = theirs if level == "patch" else minor
        hint = (
            f"install Python {wanted} locally, e.g. `uv venv --python {wanted}`, and install "
            f"ray=={cluster['ray_version']} and your job's packages into it"
        )
        if os.environ.get("UV"):  # uv sets it for the programs `uv run` starts
            hint += (
                f"; this driver runs under `uv run`: use `uv run --python {wanted} ...` (with "
                "Ray's uv integration the workers then run the same Python as the driver)"
            )
        findings.append({
            "severity": "error",
            "category": "python",
            "code": "preflight.python_version",
            "subject": "python",
            "local": ours,
            "remote": theirs,
            "message": (
                f"the cluster runs Python {theirs}, this process Python {ours}: Ray requires "
                f"the {level} version to match for {how}, so ray.init would fail with "
                "'Version mismatch'"
            ),
            "hint": hint,
        })
    if str(cluster["ray_version"]) != local["ray_version"]:
        findings.append({
            "severity": "error",
            "category": "package",
            "code": "preflight.ray_version",
            "subject": "ray",
            "local": local["ray_version"],
            "remote": str(cluster["ray_version"]),
            "message": (
                f"the cluster runs Ray {cluster['ray_version']}, this process Ray "
                f"{local['ray_version']}: Ray requires the same version on both sides"
            ),
            "hint": f"pip install ray=={cluster['ray_version']}",
        })
    return findings


def report(address: str, cluster: Dict[str, Any], local: Dict[str, str], findings: List[Finding]) -> str:
    """The text report of a pre-connect check."""
    head = (
        f"genevars preflight {address}: cluster Ray {cluster['ray_version']} / Python "
        f"{cluster['python_version']}; here Ray {local['ray_version']} / Python {local['python_version']}"
    )
    if not findings:
        return f"{head}\n  OK: Ray will accept this process as a driver."
    lines = [f"{head}\nVERSION MISMATCH: {len(findings)} error(s); ray.init would fail:"]
    for finding in findings:
        lines.append(f"  [error] {finding['message']}\n          fix: {finding['hint']}")
    return "\n".join(lines)


def check(address: str, timeout: float = 10.0) -> List[Finding]:
    """Read the cluster's versions and raise :class:`VersionMismatchError` (its message is
    the report) when Ray would refuse this process; return ``[]`` when they match.

    Raises ``RayClusterError`` when the versions cannot be read.
    """
    cluster = read_cluster_versions(address, timeout)
    local = local_versions()
    findings = version_findings(cluster, local, client=False)
    if findings:
        raise VersionMismatchError(report(address, cluster, local, findings), findings)
    return []


def check_before_connecting(address: Optional[str], timeout: float) -> None:
    """What ``compare_ray_environments(auto_init=True)`` runs before ``ray.init``: raises
    :class:`VersionMismatchError` on a mismatch. An address it cannot check (``local``,
    ``ray://``) or versions it cannot read let the connection go on as before: ``ray.init``
    then reports what is wrong."""
    if address is None or address == "local" or address.startswith("ray://"):
        return
    from genevars import _ray

    if address == "auto":
        address = _ray._resolve_auto_address()
    # A dead or non-Ray address raises here the error connecting would raise; versions
    # that cannot be read (token auth, an old GCS) let the connection go on.
    budget = min(timeout, _ray.CONNECT_TIMEOUT_CAP)
    gcs = _reach(address, budget)
    try:
        cluster = _read_metadata(address, gcs, budget)
    except _ray.RayClusterError:
        return
    local = local_versions()
    findings = version_findings(cluster, local, client=False)
    if findings:
        raise VersionMismatchError(report(address, cluster, local, findings), findings)
