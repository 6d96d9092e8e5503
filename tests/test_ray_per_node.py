"""Per-node identity learned from a real Ray cluster (ray.cluster_utils.Cluster, 4 nodes).

Every node has its own POD_IP, POD_NAME and a token-like POD_TOKEN, as KubeRay pods get
through the downward API; one node also sees one more package (a fake dist-info on its
PYTHONPATH). The rule needs at least ``[per_node] min_nodes`` (4) nodes, so the cluster has
four: the head and three workers.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Dict

import pytest

from genevars import get_comparison_result
from test_ray_cluster import make_dist

PER_NODE = ("POD_IP", "POD_NAME", "POD_TOKEN")
EXTRA_PACKAGE = "genevarsonlyhere"


def pod_env(i: int, pythonpath: Path) -> Dict[str, str]:
    return {
        "POD_IP": f"10.1.{i}.{40 + i}",
        "POD_NAME": f"raycluster-worker-{secrets.token_hex(3)}",
        "POD_TOKEN": secrets.token_hex(24),
        "PYTHONPATH": str(pythonpath),
    }


@pytest.fixture(scope="module")
def pod_cluster(ray_cluster_factory, tmp_path_factory):
    trees = tmp_path_factory.mktemp("pods")
    plain = trees / "plain"
    plain.mkdir()
    extra = make_dist(trees / "extra", EXTRA_PACKAGE, "1.0")
    envs = [pod_env(i, extra if i == 3 else plain) for i in range(4)]
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(plain)  # local sees the same PYTHONPATH as most pods
    try:
        cluster = ray_cluster_factory(node_envs=envs[1:], head_env=envs[0])
        yield cluster, envs
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def test_per_node_variables_are_expected_once_and_pods_group_by_environment(pod_cluster):
    cluster, envs = pod_cluster
    result = get_comparison_result(auto_init=True, ray_address=cluster.address, timeout=90)

    # Per-node variables do not split the cluster: the one node with another package does.
    assert len(result.groups) == 2
    odd_one = cluster.added_nodes[2].node_id
    sizes = sorted(len(g["nodes"]) for g in result.groups)
    assert sizes == [1, 3]
    (small,) = [g for g in result.groups if len(g["nodes"]) == 1]
    assert small["nodes"][0]["node_id"] == odd_one

    for name in PER_NODE:
        about = [f for f in result.findings if f["subject"] == name]
        assert len(about) == 1, about  # reported once, for every node
        (f,) = about
        assert (f["severity"], f["code"], f["category"]) == ("expected", "per_node", "env")
        assert f["message"].startswith(f"{name} varies per node (4 values")
        assert len(f["nodes"]) == 4

    package = [f for f in result.findings if f["subject"] == EXTRA_PACKAGE and not f["code"].startswith("drift.")]
    assert len(package) == 1 and package[0]["nodes"] == [odd_one]
    assert package[0]["severity"] in ("info", "warning", "error")

    # Shown with --show-all, never their values; hidden by default.
    shown = result.report(show_all=True)
    assert "POD_TOKEN varies per node (4 values" in shown
    assert "POD_IP varies per node (4 values" in shown
    for env in envs:
        assert env["POD_TOKEN"] not in shown and env["POD_TOKEN"] not in result.to_json()
    assert "varies per node" not in result.report()
