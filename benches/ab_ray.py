"""Before/after for (5b): the Ray probe of another git revision against this tree, one cluster.

    python benches/ab_ray.py [--base main] [--rounds 9] [--site /tmp/genevars-bench/site-1000]

Starts one ``ray.cluster_utils.Cluster`` of 4 nodes on 127.0.0.1 (no dashboard, 80 MB
object stores, 1 CPU each; ``--site`` goes on ``PYTHONPATH`` of the driver and every
node), then times, pairwise in rotating order, four contenders: this tree's
``get_comparison_result()`` on all 4 nodes and on the head node, and the same with the
base revision's ``_ray.py`` and ``_probe.py`` (read with ``git show``, loaded as
``genevars._ray_base`` / ``genevars._probe_base``, same native module). Before timing,
both sides' results are checked to agree (same findings and groups). Prints medians, the
4-node / 1-node ratio of each side, and the load average. Timings are for this machine
only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from _harness import pairwise, ratio, summarize
from bench_ray import start_cluster, stop_cluster

REPO = Path(__file__).resolve().parent.parent


def load_revision(rev: str, name: str, path: str):
    """Module ``genevars.<name>`` from ``path`` as it is at git revision ``rev``."""
    import ray

    source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, check=True, stdout=subprocess.PIPE).stdout
    spec = importlib.util.spec_from_loader(f"genevars.{name}", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    exec(compile(source, f"{rev}:{path}", "exec"), module.__dict__)
    ray.cloudpickle.register_pickle_by_value(module)
    return module


def base_comparison(ray_mod, probe_mod, nodes):
    """``get_comparison_result`` as the base revision does it (Ray already initialized)."""
    from genevars._compare import compare_node_parts, compare_node_snapshots
    from genevars.compare_env import _probe_options

    options = _probe_options(False, secrets.token_bytes(32).hex())
    local = probe_mod.take_snapshot(options)
    targets, unreachable = ray_mod.select_nodes(nodes)
    snapshots, failed = ray_mod.probe_nodes(targets, options, probe_mod.take_snapshot, timeout=60, as_json=True)
    if hasattr(snapshots, "rests"):  # a revision whose probes send each package list once
        return compare_node_parts(local, snapshots.rests, snapshots.lists, snapshots.list_of, unreachable + failed)
    return compare_node_snapshots(local, snapshots, unreachable + failed)


def comparable(result) -> str:
    data = result.to_dict()
    keep = {k: data.get(k) for k in ("summary", "findings", "env_diffs", "pkg_diffs", "sys_path_diffs")}
    keep["groups"] = [
        {"nodes": sorted(n["node_id"] for n in g["nodes"]), "summary": g["summary"]} for g in data.get("groups", [])
    ]
    return json.dumps(keep, sort_keys=True)


def cluster_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse ``--rounds`` and ``--site``; with a site, run this script again with it on
    ``PYTHONPATH`` (which every node started from here inherits). Clears RAY_ADDRESS and
    sets Ray's variables for a loopback cluster."""
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--site", type=Path, help="a site-packages tree to put on PYTHONPATH everywhere")
    args = parser.parse_args()
    if args.site and os.environ.get("PYTHONPATH") != str(args.site):
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        env["PYTHONPATH"] = str(args.site)
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    os.environ.pop("RAY_ADDRESS", None)
    os.environ.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0")
    return args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare against (default main)")
    args = cluster_arguments(parser)

    import genevars

    base_ray = load_revision(args.base, "_ray_base", "python/genevars/_ray.py")
    base_probe = load_revision(args.base, "_probe_base", "python/genevars/_probe.py")
    cluster = start_cluster(4)
    try:
        head = [cluster.head_node.node_id]
        contenders = {
            "this, 4 nodes": lambda: genevars.get_comparison_result(nodes="all"),
            "this, 1 node": lambda: genevars.get_comparison_result(nodes=head),
            f"{args.base}, 4 nodes": lambda: base_comparison(base_ray, base_probe, "all"),
            f"{args.base}, 1 node": lambda: base_comparison(base_ray, base_probe, head),
        }
        results = {name: comparable(run()) for name, run in contenders.items()}
        for nodes in ("4 nodes", "1 node"):
            if results[f"this, {nodes}"] != results[f"{args.base}, {nodes}"]:
                raise SystemExit(f"{nodes}: this tree and {args.base} report different comparisons")
        load_before = os.getloadavg()
        samples = pairwise(contenders, args.rounds, warmup=2)
        load_after = os.getloadavg()
    finally:
        stop_cluster(cluster)
    summary = summarize(samples)
    for name, s in summary.items():
        print(f"{name:22s} median {s['median_ms']:8.2f} ms  min {s['min_ms']:8.2f}  cpu {s['cpu_median_ms']:8.2f}")
    for side in ("this", args.base):
        r = ratio(samples, f"{side}, 4 nodes", f"{side}, 1 node")
        print(f"{side}: 4 nodes / 1 node = {r['of_medians']} (median per round {r['median_per_round']})")
    print(f"load average before {load_before}, after {load_after}")


if __name__ == "__main__":
    main()
