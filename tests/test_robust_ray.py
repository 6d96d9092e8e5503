"""A node with a distribution whose Requires-Dist line makes pep508_rs panic (issue 12,
part 2), on a real Ray cluster on 127.0.0.1: the comparison completes and names it."""

from __future__ import annotations

from genevars import get_comparison_result
from snapshot_trees import dist_info

BAD_LINE = "numpy. >=1"


def test_a_node_with_a_malformed_requirement_is_compared(ray_cluster_factory, tmp_path_factory):
    site = tmp_path_factory.mktemp("bad-requirement-site")
    dist_info(site, "badreq", "1.0", extra=f"Requires-Dist: {BAD_LINE}")
    cluster = ray_cluster_factory(node_envs=[{"PYTHONPATH": str(site)}])
    node = cluster.added_nodes[0].node_id
    result = get_comparison_result(auto_init=True, ray_address=cluster.address, timeout=60)

    invalid = [f for f in result.findings if f["code"] == "requirement.invalid"]
    assert invalid, [f["code"] for f in result.findings]
    assert all(f["severity"] == "warning" for f in invalid)
    assert any(f'badreq 1.0 has a malformed requirement "{BAD_LINE}"' in f["message"] for f in invalid)
    # The rest of the comparison went on: the package is only on that node, and said so.
    only_remote = [f for f in result.findings if f["subject"] == "badreq" and f["code"] != "requirement.invalid"]
    assert only_remote, [(f["code"], f["subject"]) for f in result.findings]
    assert "only_remote" in {f["code"] for f in only_remote}
    assert invalid[0]["nodes"] == [node]
