"""(7) Criterion benches (benches/core.rs): prepare their inputs, run them, collect medians.

Inputs: the 1,000-distribution tree for the metadata reader and the scan, and scanner
snapshots of the 1,000/5,000 trees plus drifted copies for compare and grouping (written to
WORK/criterion-inputs). Results are read from criterion's own ``estimates.json`` files.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from _harness import bench_args, emit, log, row
from bench_compare import drift, scanned_snapshot

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    inputs = args.work / "criterion-inputs"
    inputs.mkdir(exist_ok=True)
    local5 = scanned_snapshot(args.work, 5000)
    (inputs / "local-5000.json").write_text(json.dumps(local5))
    (inputs / "remote-5000.json").write_text(json.dumps(drift(local5, seed=1)))
    local1 = scanned_snapshot(args.work, 1000)
    (inputs / "local-1000.json").write_text(json.dumps(local1))
    for k in (1, 2, 3):
        (inputs / f"variant-{k}-1000.json").write_text(json.dumps(drift(local1, seed=k + 1, share=0.005)))

    env = dict(os.environ, GENEVARS_BENCH_SITE=str(args.work / "site-1000"), GENEVARS_BENCH_SNAPSHOTS=str(inputs))
    started = time.time()
    log("cargo bench --bench core (release build first; may take minutes)")
    subprocess.run(["cargo", "bench", "--bench", "core"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    rows, details = [], {}
    for bench_json in sorted((target / "criterion").glob("**/new/benchmark.json")):
        estimates = bench_json.parent / "estimates.json"
        if estimates.stat().st_mtime < started:
            continue  # from an earlier run
        full_id = json.loads(bench_json.read_text())["full_id"]
        est = json.loads(estimates.read_text())
        median_ms = est["median"]["point_estimate"] / 1e6
        details[full_id] = {k: est[k]["point_estimate"] / 1e6 for k in ("mean", "median", "std_dev")}
        rows.append(row("7", f"criterion: {full_id}", "(info)", round(median_ms, 3), "ms", None))
    emit(rows, details)


if __name__ == "__main__":
    main()
