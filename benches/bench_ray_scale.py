"""(15) Probing a real Ray cluster as it grows: the driver's cost per node, to extrapolate.

    python benches/bench_ray_scale.py [--sizes 1,2,4,8] [--rounds 5] [--site DIR]

One ``ray.cluster_utils.Cluster`` on 127.0.0.1 (no dashboard, 80 MB object stores, 1 CPU
each), grown node by node to each size in ``--sizes``. At each size, after two warm-up
rounds (the nodes start their workers), every round runs the steps of
``get_comparison_result`` one by one and times them on the driver:

- ``select``: the alive nodes, from the GCS (``_ray.select_nodes("all")``),
- ``submit``: one probe task per node, pinned to it (``_ray.start_probes``),
- ``collect``: waiting for every answer and fetching each distinct package list once
  (``Probes.collect_parts``),
- ``compare``: grouping and comparing the answers (``compare_node_parts``),

and the driver process's CPU time over those steps (its Ray threads included), and the
bytes it received: each node's answer without its package list (``rest``) and each
distinct list once. On this machine every node shares the same 2 cores, so ``collect``
mostly waits for the nodes' own work, which a real cluster does in parallel; the driver's
CPU time and bytes per node are what grow with the cluster. Their slope over the sizes
(least squares) is printed, with the extrapolation to 10,000 nodes written out.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from ab_ray import cluster_arguments
from bench_ray import NODE_ARGS

STEPS = ("select", "submit", "collect", "compare")


def slope(points: Sequence[Tuple[float, float]]) -> Tuple[float, float]:
    """Least-squares ``(slope, intercept)`` of ``y`` over ``x``."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    k = sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0
    return k, my - k * mx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = cluster_arguments(parser)
    sizes = sorted({int(s) for s in args.sizes.split(",")})

    import ray
    from ray.cluster_utils import Cluster

    from genevars import _probe, _ray
    from genevars._compare import compare_node_parts
    from genevars.compare_env import _probe_options

    started = time.monotonic()
    cluster = Cluster(initialize_head=True, head_node_args=dict(NODE_ARGS, include_dashboard=False))
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    results: Dict[int, Dict[str, float]] = {}
    try:
        for size in sizes:
            while len(_ray.list_alive_nodes()) < size:
                cluster.add_node(**NODE_ARGS)
            cluster.wait_for_nodes()
            print(f"{size} nodes up after {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            samples: Dict[str, List[float]] = {}
            for round_ in range(2 + args.rounds):
                options = _probe_options(False, secrets.token_bytes(32).hex())
                local = _probe.take_snapshot(options)
                cpu0 = time.process_time()
                t0 = time.perf_counter()
                targets, unreachable = _ray.select_nodes("all")
                t1 = time.perf_counter()
                probes = _ray.start_probes(
                    targets, options, _probe.take_snapshot, as_json=True, take_parts=_probe.take_snapshot_parts
                )
                t2 = time.perf_counter()
                parts, failed = probes.collect_parts()
                t3 = time.perf_counter()
                result = compare_node_parts(local, parts.rests, parts.lists, parts.list_of, unreachable + failed)
                t4 = time.perf_counter()
                cpu = time.process_time() - cpu0
                assert len(targets) == size and not failed, (len(targets), failed)
                assert result.incomplete is None
                if round_ < 2:
                    continue
                for name, seconds in zip(STEPS + ("total", "driver cpu"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, cpu)):
                    samples.setdefault(name, []).append(seconds * 1000)
                samples.setdefault("rest bytes", []).append(sum(map(len, parts.rests)))
                samples.setdefault("list bytes", []).append(sum(map(len, parts.lists)))
            results[size] = {name: statistics.median(values) for name, values in samples.items()}
            results[size]["load"] = os.getloadavg()[0]
    finally:
        ray.shutdown()
        cluster.shutdown()

    print(f"{'nodes':>5} " + " ".join(f"{n:>11}" for n in STEPS + ("total", "driver cpu")) + "  rest bytes  list bytes  load")
    for size, r in results.items():
        cells = " ".join(f"{r[n]:8.1f} ms" for n in STEPS + ("total", "driver cpu"))
        print(f"{size:>5} {cells}  {r['rest bytes']:>10.0f}  {r['list bytes']:>10.0f}  {r['load']:.1f}")
    fits = {}
    for name in STEPS + ("total", "driver cpu", "rest bytes"):
        k, c = slope([(size, r[name]) for size, r in results.items()])
        fits[name] = {"per_node": k, "fixed": c}
        unit = "bytes" if name == "rest bytes" else "ms"
        print(f"{name:>11}: {k:9.2f} {unit} per node + {c:9.2f} {unit}; at 10,000 nodes {c + k * 10_000:12.0f} {unit}")
    print(f"peak RSS of the driver: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "fits": fits}, indent=2))


if __name__ == "__main__":
    main()
