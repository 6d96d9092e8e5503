"""Where the time of (5b) goes: ``get_comparison_result`` phase by phase, 1 node vs 4 nodes.

    python benches/ray_phases.py [--rounds 9] [--site /tmp/genevars-bench/site-1000]

One ``ray.cluster_utils.Cluster`` of 4 nodes on 127.0.0.1 (no dashboard, 80 MB object
stores, 1 CPU each; ``--site`` goes on ``PYTHONPATH`` of the driver and every node). Each
round, for the head node alone and then for all 4 nodes, it times:

- ``noop``: one empty task pinned to each node (Ray's own cost of a round trip per node),
- ``local`` / ``select`` / ``probe`` / ``compare``: the steps of ``get_comparison_result``
  run one by one (local snapshot, node list, probes and their answers, grouping), and
  ``total`` their sum; ``call``: ``get_comparison_result()`` itself,
- ``worker wall`` / ``worker cpu``: ``take_snapshot_parts`` inside a task on each node, all
  nodes at once (median over the nodes): the probe's own cost, without Ray's.

Prints the median and minimum of each. Timings are for this machine only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
from typing import Dict, List

from ab_ray import cluster_arguments
from bench_ray import start_cluster, stop_cluster


def main() -> None:
    args = cluster_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))

    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    import genevars
    from genevars import _probe, _ray
    from genevars._compare import compare_node_parts
    from genevars.compare_env import _probe_options

    @ray.remote
    def noop() -> None:
        return None

    @ray.remote
    def probe_cost(options: dict) -> Dict[str, float]:
        from genevars import _probe as probe

        wall, cpu = time.perf_counter(), time.process_time()
        probe.take_snapshot_parts(options)
        return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}

    samples: Dict[str, List[float]] = {}

    def record(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds * 1000)

    cluster = start_cluster(4)
    try:
        head = cluster.head_node.node_id
        every, _ = _ray.select_nodes("all")
        sides = {"1 node": ([n for n in every if n.node_id == head], [head]), "4 nodes": (every, "all")}

        def pinned(node) -> dict:
            strategy = NodeAffinitySchedulingStrategy(node.node_id, soft=False)
            return {"scheduling_strategy": strategy, "num_cpus": 0, "max_retries": 0}

        def one_round(record_it: bool) -> None:
            for label, (nodes, selection) in sides.items():
                keep = record if record_it else (lambda name, seconds: None)
                start = time.perf_counter()
                ray.get([noop.options(**pinned(n)).remote() for n in nodes])
                keep(f"noop, {label}", time.perf_counter() - start)
                options = _probe_options(False, secrets.token_bytes(32).hex())
                t0 = time.perf_counter()
                local = _probe.take_snapshot(options)
                t1 = time.perf_counter()
                targets, unreachable = _ray.select_nodes(selection)
                t2 = time.perf_counter()
                parts, failed = _ray.probe_nodes(
                    targets, options, _probe.take_snapshot, as_json=True, take_parts=_probe.take_snapshot_parts
                )
                t3 = time.perf_counter()
                compare_node_parts(local, parts.rests, parts.lists, parts.list_of, unreachable + failed)
                t4 = time.perf_counter()
                for name, seconds in (
                    ("local", t1 - t0), ("select", t2 - t1), ("probe", t3 - t2), ("compare", t4 - t3), ("total", t4 - t0)
                ):
                    keep(f"{name}, {label}", seconds)
                start = time.perf_counter()
                genevars.get_comparison_result(nodes=selection)
                keep(f"call, {label}", time.perf_counter() - start)
                costs = ray.get([probe_cost.options(**pinned(n)).remote(options) for n in nodes])
                for what in ("wall", "cpu"):
                    keep(f"worker {what}, {label}", statistics.median(c[what] for c in costs))

        for _ in range(2):
            one_round(False)
        load_before = os.getloadavg()
        for _ in range(args.rounds):
            one_round(True)
        load_after = os.getloadavg()
    finally:
        stop_cluster(cluster)
    for name in sorted(samples):
        values = samples[name]
        print(f"{name:22s} median {statistics.median(values):8.2f} ms  min {min(values):8.2f}")
    print(f"load average before {load_before}, after {load_after}")


if __name__ == "__main__":
    main()
