"""(3) ``import genevars``: <= 30 ms by ``python -X importtime``, and ray never imported.

The figure is the cumulative time of the top-level ``genevars`` line of ``-X importtime``
(bytecode caches warm after a first import), median over the runs. For information, the
wall-clock cost of a fresh interpreter that imports genevars minus one that does not.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from _harness import bench_args, emit, log, pairwise, row, run_cmd, summarize


def importtime_us() -> tuple[int, list[tuple[int, str]]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import genevars"],
                          capture_output=True, text=True, check=True)
    total, top = None, []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        fields = line[len("import time:"):].split("|")
        self_us, cumulative, name = int(fields[0]), int(fields[1]), fields[2].strip()
        if name == "genevars":
            total = cumulative
        top.append((self_us, name))
    if total is None:
        raise SystemExit("no 'genevars' line in -X importtime output")
    return total, sorted(top, reverse=True)[:10]


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    importtime_us()  # warm the bytecode caches
    runs = [importtime_us() for _ in range(args.runs)]
    median_ms = statistics.median(t for t, _ in runs) / 1000
    log(f"import genevars: {median_ms:.1f} ms (importtime)")
    check = subprocess.run(
        [sys.executable, "-c",
         "import sys, json, genevars; print(json.dumps(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.'))))"],
        capture_output=True, text=True, check=True)
    ray_modules = json.loads(check.stdout)
    samples = pairwise({"python -c pass": run_cmd([sys.executable, "-c", "pass"]),
                        "python -c 'import genevars'": run_cmd([sys.executable, "-c", "import genevars"])}, args.runs)
    s = summarize(samples)
    extra = s["python -c 'import genevars'"]["median_ms"] - s["python -c pass"]["median_ms"]
    rows = [
        row("3", "`import genevars` (cumulative, `python -X importtime`)", "<= 30 ms", round(median_ms, 2), "ms",
            median_ms <= 30),
        row("3r", "ray modules in sys.modules after `import genevars`", "none", len(ray_modules), "modules",
            not ray_modules),
        row("3w", "wall clock: `python -c 'import genevars'` minus `python -c pass`", "(info)", round(extra, 2), "ms", None),
    ]
    emit(rows, {"importtime_runs_us": [t for t, _ in runs], "slowest_self_us": runs[0][1], "wall": s,
                "ray_modules": ray_modules})


if __name__ == "__main__":
    main()
