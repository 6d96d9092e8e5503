"""Ray's own view of a node's accelerators: what it schedules there (its GPU resources and
accelerator type) labels the node's group, on a real cluster whose second node declares
two GPUs (Ray takes the count as given; no GPU is needed)."""

from __future__ import annotations

import ray

from conftest import RAY_NODE_ARGS
from genevars import get_comparison_result


def test_a_nodes_ray_gpu_resources_label_its_group(ray_cluster_factory):
    cluster = ray_cluster_factory()
    gpu_node = cluster.add_node(**RAY_NODE_ARGS, num_gpus=2, resources={"accelerator_type:H100": 1})
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        result = get_comparison_result()
    finally:
        ray.shutdown()
    by_node = {n["node_id"]: g for g in result.groups for n in g["nodes"]}
    gpu_group = by_node[gpu_node.node_id]
    assert gpu_group["remote"]["accelerators"] == "Ray: 2 GPU H100", gpu_group["remote"]
    # The head schedules no accelerator: another environment, said as such.
    assert len(result.groups) == 2
    assert "Ray: 2 GPU H100" in result.report(color=False)
