"""Requirement and rule findings in compare_ray_environments, on a real two-node Ray cluster.

  head    the driver's environment: PYTHONPATH holds `tool 1.0` (Requires-Dist numpy<2),
          numpy 1.26.4 and torch 2.2.2, as the test process sees them too
  broken  a worker node whose PYTHONPATH holds the same tool and torch but numpy 2.0.1:
          tool's requirement fails there, and numpy 2 with torch 2.2 is a known breakage
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from genevars import compare_ray_environments

pytestmark = pytest.mark.timeout(300)


def make_dist(root: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    info = root / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "INSTALLER").write_text("pip\n")


@pytest.fixture(scope="module")
def broken_worker(ray_cluster_factory, tmp_path_factory):
    trees = tmp_path_factory.mktemp("deps-envs")
    driver, worker = trees / "driver", trees / "worker"
    for root, numpy in ((driver, "1.26.4"), (worker, "2.0.1")):
        make_dist(root, "tool", "1.0", ("numpy<2",))
        make_dist(root, "numpy", numpy)
        make_dist(root, "torch", "2.2.2")
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(driver)
    sys.path.insert(0, str(driver))
    try:
        cluster = ray_cluster_factory(node_envs=[{"PYTHONPATH": str(worker)}])
        (node,) = cluster.added_nodes
        yield cluster.address, node.node_id
    finally:
        sys.path.remove(str(driver))
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def test_broken_requirements_and_rules_on_a_node_group_are_reported(broken_worker):
    address, node_id = broken_worker
    report = io.StringIO()
    result = compare_ray_environments(auto_init=True, ray_address=address, timeout=60, file=report)
    ours = [f for f in result.findings if f["category"] in ("requirement", "rule")]
    by_code = {f["code"]: f for f in ours}
    assert set(by_code) == {"requirement.unsatisfied", "rule.numpy2-torch-before-2.3"}, ours

    requirement = by_code["requirement.unsatisfied"]
    assert requirement["message"] == "on the workers: tool 1.0 requires numpy<2, but numpy 2.0.1 is installed"
    assert requirement["severity"] == "error"  # tool is top-level on the driver: imported
    assert (requirement["local"], requirement["remote"]) == ("1.26.4", "2.0.1")
    assert requirement["nodes"] == [node_id]

    rule = by_code["rule.numpy2-torch-before-2.3"]
    assert rule["nodes"] == [node_id]
    assert rule["hint"].startswith("RuntimeError: Numpy is not available")
    # The head node shares the driver's environment: nothing is said about its group.
    assert all(f["group"] == requirement["group"] for f in ours)

    text = report.getvalue()
    assert "tool 1.0 requires numpy<2, but numpy 2.0.1 is installed" in text
    assert "RuntimeError: Numpy is not available" in text
