"""Before/after for the native module: the same call on two builds of `genevars._core`.

    python3 benches/ab_native.py --before /tmp/before/_core.abi3.so --after \\
        python/genevars/_core.abi3.so [--call compare|compare-new|compare-cold|compare-fresh|scan|versions] [--size 1000|5000] [--rounds 15]

Both builds are loaded into one process (each under a name of its own) and called
pairwise, rotating the order every round, on the benchmark fixtures in ``--work``:
``compare`` is `_core.compare` of the two 5,000-package snapshots that `criterion_run.py`
writes (the same texts again), ``compare-new`` the same with new texts of the same package
lists each call, ``compare-cold`` with ``GENEVARS_NO_CACHE=1``, and ``compare-fresh`` the
first comparison of a fresh process (one process per side and round, timed inside), ``scan`` is `_core.scan_paths` and ``versions`` `_core.installed_versions` of the
``--size`` tree (5,000 distributions unless told). Build a side with `cargo build --release --features python --lib`
and copy `target/release/libgenevars.so`. Before timing, both sides' results are checked
to be equal. Prints medians, minimums and CPU medians, and the load.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
import statistics
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from _harness import pairwise, summarize


def load(path: Path, side: str) -> ModuleType:
    """The native module at `path`, imported as `ab_<side>._core` (its init symbol stays
    `PyInit__core`, so the last name part must stay `_core`)."""
    name = f"ab_{side}._core"
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:
        raise SystemExit(f"{path}: not a loadable extension module")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def calls(work: Path, size: int) -> dict:
    """Each call by name: a function of the module giving something comparable."""
    inputs = work / "criterion-inputs"
    site = [str(work / f"site-{size}")]

    local = (inputs / "local-5000.json").read_text(encoding="utf-8")
    remote = (inputs / "remote-5000.json").read_text(encoding="utf-8")

    def compare(core: ModuleType) -> object:
        return lambda: core.compare(local, remote)

    def compare_new(core: ModuleType) -> object:
        # Another node's texts each call: the same package lists, never the same text.
        count = iter(range(1, 1 << 30))

        def call() -> object:
            pad = " " * next(count)
            return core.compare(local[:-1] + pad + "}", remote[:-1] + pad + "}")

        return call

    def compare_cold(core: ModuleType) -> object:
        def call() -> object:
            os.environ["GENEVARS_NO_CACHE"] = "1"
            try:
                return core.compare(local, remote)
            finally:
                del os.environ["GENEVARS_NO_CACHE"]

        return call

    return {
        "compare": compare,
        "compare-new": compare_new,
        "compare-cold": compare_cold,
        "scan": lambda core: lambda: core.scan_paths(site),
        "versions": lambda core: lambda: core.installed_versions(site),
    }


FIRST_COMPARE = """
import sys, time
sys.path.insert(0, {here!r})
from ab_native import load
core = load(__import__("pathlib").Path(sys.argv[1]), "fresh")
inputs = __import__("pathlib").Path(sys.argv[2])
local = (inputs / "local-5000.json").read_text(encoding="utf-8")
remote = (inputs / "remote-5000.json").read_text(encoding="utf-8")
cpu, start = time.process_time_ns(), time.perf_counter_ns()
core.compare(local, remote)
print(time.perf_counter_ns() - start, time.process_time_ns() - cpu)
"""


def fresh(args: argparse.Namespace) -> None:
    """The first comparison of a fresh process (knowledge, rules and checks all cold),
    timed inside each process around the one call: a process per side per round."""
    code = FIRST_COMPARE.format(here=str(Path(__file__).resolve().parent))
    inputs = args.work / "criterion-inputs"
    paths = {"before": args.before, "after": args.after}
    wall: dict[str, list[int]] = {side: [] for side in paths}
    cpu: dict[str, list[int]] = {side: [] for side in paths}
    load_before = os.getloadavg()
    sides = list(paths)
    for r in range(args.rounds):
        for side in sides[r % 2:] + sides[: r % 2]:
            out = subprocess.run([sys.executable, "-c", code, str(paths[side]), str(inputs)],
                                 capture_output=True, text=True, check=True).stdout.split()
            wall[side].append(int(out[0]))
            cpu[side].append(int(out[1]))
    for side in sides:
        print(
            f"{side:7s} median {statistics.median(wall[side]) / 1e6:.2f} ms  min {min(wall[side]) / 1e6:.2f} ms"
            f"  cpu {statistics.median(cpu[side]) / 1e6:.2f} ms"
        )
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the native module before")
    parser.add_argument("--after", type=Path, required=True, help="the native module after")
    parser.add_argument("--call", choices=["compare", "compare-new", "compare-cold", "compare-fresh", "scan", "versions"],
                        default="compare")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size", type=int, choices=[1000, 5000], default=5000, help="the tree scan and versions read")
    parser.add_argument("--work", type=Path, default=Path("/tmp/genevars-bench"))
    args = parser.parse_args()

    if args.call == "compare-fresh":
        fresh(args)
        return
    make = calls(args.work, args.size)[args.call]
    thunks = {side: make(load(path, side)) for side, path in (("before", args.before), ("after", args.after))}
    results = [thunks[side]() for side in ("before", "after")]
    comparable = [r.to_json(False) if hasattr(r, "to_json") else r for r in results]
    if comparable[0] != comparable[1]:
        raise SystemExit(f"{args.call}: before and after give different results")
    load_before = os.getloadavg()
    summary = summarize(pairwise(thunks, args.rounds))
    for side, stats in summary.items():
        print(
            f"{side:7s} median {stats['median_ms']:.2f} ms  min {stats['min_ms']:.2f} ms"
            f"  cpu {stats['cpu_median_ms']:.2f} ms"
        )
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
