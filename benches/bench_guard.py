"""(8) genevars.guard(): the time it adds to each worker start.

What a guarded worker does that an unguarded one does not, measured in fresh processes
(every Ray worker is one): unpickle the hook (Ray does it; the driver's snapshot rides in
it), load the shipped guard and probe code, snapshot itself (native scanner), compare with
the driver's snapshot (native core), and find nothing to report. Ray and cloudpickle are
imported before the clock starts: a Ray worker has them already. The driver and the
"worker" see the same synthetic site-packages of N distributions, the common case.
Target: <= 50 ms at 1,000 distributions. CPU time (user + system of all the process's
threads: the native scan runs on a thread of its own) is reported beside the wall-clock
time, which a loaded machine stretches.

    python benches/bench_guard.py --work /tmp/gv-bench --runs 9
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _harness import bench_args, emit, log, machine_info, row
from fixtures import make_site

COUNTS = (100, 1000, 5000)
TARGET_MS = 50.0

CHILD = r"""
import json, os, sys, time
import ray
from ray import cloudpickle
with open(sys.argv[1], "rb") as handle:
    data = handle.read()
cpu = time.process_time()
start = time.perf_counter()
hook = cloudpickle.loads(data)
loaded = time.perf_counter()
hook()
done = time.perf_counter()
cpu_ms = (time.process_time() - cpu) * 1e3
print(json.dumps({"unpickle_ms": (loaded - start) * 1e3, "hook_ms": (done - loaded) * 1e3, "cpu_ms": cpu_ms}))
"""


def measure(site: Path, work: Path, runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(site), RAY_USAGE_STATS_ENABLED="0")
    hook_file = work / f"hook-{site.name}.pkl"
    # The driver side, in a process that sees the same site.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, genevars; from ray import cloudpickle; "
            "open(sys.argv[1], 'wb').write(cloudpickle.dumps(genevars.guard()['worker_process_setup_hook']))",
            str(hook_file),
        ],
        env=env,
        check=True,
    )
    samples = []
    for _ in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(hook_file)], env=env, check=True, capture_output=True, text=True
        )
        if "genevars guard:" in done.stderr:
            raise RuntimeError(f"the benchmark's worker found a mismatch: {done.stderr[-2000:]}")
        samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    samples = samples[1:]  # the first run warms the page cache
    total = [s["unpickle_ms"] + s["hook_ms"] for s in samples]
    return {
        "median_ms": round(statistics.median(total), 2),
        "min_ms": round(min(total), 2),
        "max_ms": round(max(total), 2),
        "cpu_median_ms": round(statistics.median(s["cpu_ms"] for s in samples), 2),
        "unpickle_median_ms": round(statistics.median(s["unpickle_ms"] for s in samples), 2),
        "hook_median_ms": round(statistics.median(s["hook_ms"] for s in samples), 2),
        "hook_bytes": hook_file.stat().st_size,
        "runs": len(samples),
    }


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    args.work.mkdir(parents=True, exist_ok=True)
    results = {}
    for count in COUNTS:
        site = args.work / f"guard-site-{count}"
        if not site.exists():
            make_site(site, count)
        log(f"guard: {count} distributions")
        results[count] = measure(site, args.work, args.runs)
        log(f"  {results[count]}")
    rows = [
        row(
            "8",
            "guard: time added per worker start, 1,000 distributions",
            f"<= {TARGET_MS:g} ms",
            results[1000]["median_ms"],
            "ms",
            results[1000]["median_ms"] <= TARGET_MS,
            cpu_ms=results[1000]["cpu_median_ms"],
        )
    ]
    emit(rows, {"by_count": results, "machine": machine_info()})


if __name__ == "__main__":
    main()
