"""(5) End to end on a local Ray cluster that is already up.

geneva 0.17.0's ``geneva/runners/ray/compare_env.py`` is loaded straight from the file that
run_all.py unpacked from the wheel (it needs only Ray); its module is registered for
pickling by value so its remote task reaches workers that cannot import it.

Both sides are called the same way, data only (no printing): ``get_comparison_result()``
with Ray already initialized against the cluster. Every Ray process binds to 127.0.0.1,
has no dashboard and a small object store; clusters are torn down with our own handles.

- 1 node: genevars vs geneva, pairwise rounds after one warm-up call each. Target: genevars
  no slower (ratio <= 1.0).
- 4 nodes: genevars probing all 4 nodes vs genevars probing only the head node, pairwise
  rounds on the same cluster. Target: <= 1.5x.

Both run twice: with the tool venv alone, and with the 1,000-distribution tree on
PYTHONPATH for the driver and every node (a large ML-sized environment).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from _harness import bench_args, emit, log, pairwise, ratio, row, summarize

MB = 1024 * 1024
NODE_ARGS = {"node_ip_address": "127.0.0.1", "num_cpus": 1, "object_store_memory": 80 * MB}


def load_geneva(work: Path):
    import ray

    path = work / "geneva" / "geneva" / "runners" / "ray" / "compare_env.py"
    spec = importlib.util.spec_from_file_location("geneva_compare_env", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    ray.cloudpickle.register_pickle_by_value(module)
    return module


def start_cluster(nodes: int):
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args=dict(NODE_ARGS, include_dashboard=False))
    for _ in range(nodes - 1):
        cluster.add_node(**NODE_ARGS)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    return cluster


def stop_cluster(cluster) -> None:
    import ray

    ray.shutdown()
    cluster.shutdown()


def one_node(work: Path, runs: int) -> dict:
    import genevars

    geneva = load_geneva(work)
    cluster = start_cluster(1)
    try:
        contenders = {
            "genevars": lambda: genevars.get_comparison_result(),
            "geneva 0.17.0": lambda: geneva.get_comparison_result(),
        }
        samples = pairwise(contenders, runs, warmup=2)
        local_packages = len(genevars.get_comparison_result().to_dict()["local"]["packages"])
    finally:
        stop_cluster(cluster)
    return {"summary": summarize(samples), "ratio": ratio(samples, "genevars", "geneva 0.17.0"),
            "local_packages": local_packages}


def four_nodes(runs: int) -> dict:
    import ray
    import genevars

    cluster = start_cluster(4)
    try:
        head = cluster.head_node.node_id
        alive = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
        if len(alive) != 4:
            raise SystemExit(f"expected 4 alive nodes, got {len(alive)}")
        contenders = {
            "genevars, 4 nodes": lambda: genevars.get_comparison_result(nodes="all"),
            "genevars, 1 node": lambda: genevars.get_comparison_result(nodes=[head]),
        }
        samples = pairwise(contenders, runs, warmup=2)
        groups = genevars.get_comparison_result(nodes="all").to_dict().get("groups", [])
        probed = sum(len(g["nodes"]) for g in groups)
        if probed != 4:
            raise SystemExit(f"4-node comparison reported {probed} nodes in its groups")
    finally:
        stop_cluster(cluster)
    return {"summary": summarize(samples), "ratio": ratio(samples, "genevars, 4 nodes", "genevars, 1 node")}


def child(work: Path, runs: int) -> None:
    """Runs in a fresh process whose environment (PYTHONPATH) every Ray node inherits."""
    out = {"one_node": one_node(work, runs), "four_nodes": four_nodes(runs)}
    print(json.dumps(out))


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    if os.environ.get("GENEVARS_BENCH_RAY_CHILD"):
        child(args.work, args.runs)
        return
    rows, details = [], {}
    for label, extra_path in (("tool venv", None), ("+1,000 dists on PYTHONPATH", args.work / "site-1000")):
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        env.update(GENEVARS_BENCH_RAY_CHILD="1", RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0")
        if extra_path:
            env["PYTHONPATH"] = str(extra_path)
        log(f"ray: {label}")
        proc = subprocess.run([sys.executable, __file__, "--work", str(args.work), "--runs", str(args.runs)],
                              env=env, stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"ray benchmark ({label}) exited {proc.returncode}")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        details[label] = res
        one, four = res["one_node"], res["four_nodes"]
        g = one["summary"]["genevars"]["median_ms"]
        gv = one["summary"]["geneva 0.17.0"]["median_ms"]
        r1 = round(g / gv, 2)
        rows.append(row(f"5a {label}", f"1 node, {label} ({one['local_packages']} local packages): genevars / geneva "
                        f"`get_comparison_result` ({g:.0f} ms vs {gv:.0f} ms)", "<= 1.0", r1, "", r1 <= 1.0))
        f4 = four["summary"]["genevars, 4 nodes"]["median_ms"]
        f1 = four["summary"]["genevars, 1 node"]["median_ms"]
        r4 = round(f4 / f1, 2)
        rows.append(row(f"5b {label}", f"genevars 4 nodes / 1 node, {label} ({f4:.0f} ms vs {f1:.0f} ms)",
                        "<= 1.5x", r4, "x", r4 <= 1.5))
    emit(rows, details)


if __name__ == "__main__":
    main()
